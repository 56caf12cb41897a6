"""Docks that leave the video room on a laptop screen (1366x768 and up).

Opened one by one, napari stacks plugin docks in the right-hand area: six
BehaVERT docks grew the window to 1600x2296 px on a 1000-px screen and left the
canvas 288 px wide. Here:

* :func:`fit_panel` makes a form a side panel: long layer names elided
  (:mod:`.elide`), its rows in a scroll area (it never asks for more height than
  it gets), and at most :data:`SIDE_WIDTH` px wide.
* :func:`place_dock` puts a dock, once napari has docked it, with the other
  BehaVERT docks: side panels tabbed together on the right, the views (Timeline,
  Embedding map) side by side under the canvas (the bottom area then stops at the
  side docks, so it takes height from the canvas only).
"""

from __future__ import annotations

from typing import Literal

from qtpy.QtCore import QEvent, QObject, Qt
from qtpy.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .elide import elide_choices

__all__ = ["AREA", "SIDE_WIDTH", "VIEW_WIDTH", "fit_panel", "place_dock"]

#: Widest a side panel gets: napari's layer docks (~300 px), one BehaVERT panel
#: and the splitters leave the canvas over half of a 1366-px window.
SIDE_WIDTH = 350
#: Margin around a panel's rows (magicgui's 9 px made the Train step scroll sideways).
PANEL_MARGIN = 4
#: Width given to the Embedding map beside the Timeline under the canvas.
VIEW_WIDTH = 260
#: Dynamic property of a dock's inner widget: "side" or "view".
AREA = "behavert_area"
_WIDTH = "behavert_width"  # a view's width beside the others (0: the rest)
_SCROLL = "panel_scroll"  # object name of the scroll area made by fit_panel
_QT_AREA = {
    "side": Qt.DockWidgetArea.RightDockWidgetArea,
    "view": Qt.DockWidgetArea.BottomDockWidgetArea,
}


def fit_panel(widget: QWidget, width: int = SIDE_WIDTH) -> QScrollArea:
    """Make ``widget`` (a dock's form) a side panel; return its scroll area.

    The widget's layout moves, with every row, into a scroll area that becomes
    the widget's only child (magicgui keeps adding rows to that same layout), so
    the panel scrolls instead of growing the window. Idempotent.
    """
    elide_choices(widget)
    _wrap_labels(widget)
    widget.setMaximumWidth(width)
    existing = widget.findChild(QScrollArea, _SCROLL)
    if existing is not None:
        return existing
    rows = QWidget()
    rows.setObjectName("panel_rows")
    if widget.layout() is not None:
        rows.setLayout(widget.layout())  # takes the layout and its widgets
        rows.layout().setContentsMargins(*[PANEL_MARGIN] * 4)
    holder = QWidget()
    column = QVBoxLayout(holder)
    column.setContentsMargins(0, 0, 0, 0)
    column.addWidget(rows)
    column.addStretch(1)  # spare height below the rows, not between them
    scroll = QScrollArea()
    scroll.setObjectName(_SCROLL)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    scroll.setWidget(holder)
    outer = QVBoxLayout(widget)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
    return scroll


def _wrap_labels(widget: QWidget) -> None:
    """Labels take no width they do not need.

    A word-wrapped label still asks for its longest word: a status naming a
    DeepLabCut file asked for 343 px and scrolled the Annotate panel sideways;
    it now takes the width it is given (a long path is cut). A row whose label
    is empty (a status line, a training curve) gets the whole row instead of
    a blank label column.
    """
    for label in widget.findChildren(QLabel):
        if label.wordWrap():
            policy = label.sizePolicy()  # keeps height-for-width
            policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
            label.setSizePolicy(policy)
        row = label.parentWidget()
        layout = row.layout() if row is not None else None
        first = layout.itemAt(0) if layout is not None and layout.count() > 1 else None
        if not label.text() and first is not None and first.widget() is label:
            label.hide()  # the blank label column of a magicgui row


def place_dock(widget: QWidget, area: Literal["side", "view"], width: int = 0) -> None:
    """Put ``widget``'s dock with the other BehaVERT docks once it is docked.

    ``"side"``: tabbed with the BehaVERT side panels on the right. ``"view"``:
    under the canvas, beside the other views, ``width`` px wide (0: the width
    the other views leave). Docks napari places itself
    (``viewer.window.add_dock_widget``) are moved as soon as napari adds them
    to the window, before the window is laid out again.
    """
    widget.setProperty(AREA, area)
    widget.setProperty(_WIDTH, int(width))
    widget.installEventFilter(_DockWatcher(widget))


class _DockWatcher(QObject):
    """Wait for the widget to enter a dock, then for the dock to be placed."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self._widget = widget
        self._dock: QDockWidget | None = None
        self._placing = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ParentChange and watched is self._widget:
            dock = _dock_of(self._widget)
            if dock is not None and dock is not self._dock:
                self._dock = dock
                dock.dockLocationChanged.connect(self._on_dock_location_changed)
        return False

    def _on_dock_location_changed(self, *_: object) -> None:
        dock = self._dock
        window = dock.parentWidget() if dock is not None else None
        if self._placing or not isinstance(window, QMainWindow):
            return
        dock.dockLocationChanged.disconnect(self._on_dock_location_changed)
        self._placing = True
        try:
            _place(window, dock, str(self._widget.property(AREA)))
        finally:
            self._placing = False


def _dock_of(widget: QWidget) -> QDockWidget | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QDockWidget):
        parent = parent.parentWidget()
    return parent


def _area_of(dock: QDockWidget) -> str | None:
    inner = dock.widget()
    value = inner.property(AREA) if inner is not None else None
    return None if value is None else str(value)


def _width_of(dock: QDockWidget) -> int:
    inner = dock.widget()
    return int(inner.property(_WIDTH) or 0) if inner is not None else 0


def _place(window: QMainWindow, dock: QDockWidget, area: str) -> None:
    target = _QT_AREA[area]
    others = [
        other
        for other in window.findChildren(QDockWidget)
        if other is not dock
        and not other.isFloating()
        and window.dockWidgetArea(other) == target
        and _area_of(other) == area
    ]
    if area == "view":
        window.setCorner(
            Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        window.setCorner(
            Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea
        )
        if others:
            window.splitDockWidget(others[-1], dock, Qt.Orientation.Horizontal)
            views = [*others, dock]
            fixed = sum(_width_of(view) for view in views)
            rest = max(window.width() - fixed, VIEW_WIDTH)
            sizes = [_width_of(view) or rest for view in views]
            window.resizeDocks(views, sizes, Qt.Orientation.Horizontal)
        elif window.dockWidgetArea(dock) != target:
            window.addDockWidget(target, dock)
    elif others:
        window.tabifyDockWidget(others[-1], dock)
        dock.show()
        dock.raise_()
    elif window.dockWidgetArea(dock) != target:
        window.addDockWidget(target, dock)
