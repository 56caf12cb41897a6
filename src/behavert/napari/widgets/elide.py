"""Long layer names in narrow docks: combo boxes and lists elide, tooltips tell.

A DeepLabCut file stem is about 90 characters; a combo box sized to such a
layer name made a dock 858 px wide and left the video 419 px. After
:func:`elide_choices` every combo box and list under a widget sizes itself
from a few characters, draws its current text elided in the middle (the start
of the recording's name and the layer's role at the end stay visible) and
shows the full name in a tooltip: the box's own while its text is cut, and
each item's in the drop-down list.

The item texts themselves are left whole: magicgui finds choices by their text.
"""

from __future__ import annotations

from qtpy.QtCore import QEvent, QModelIndex, QObject, Qt
from qtpy.QtGui import QFontMetrics
from qtpy.QtWidgets import (
    QApplication,
    QComboBox,
    QListWidget,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QWidget,
)

__all__ = ["ELIDE_MODE", "MIN_CHARS", "SHOWN_TEXT", "elide_choices", "elided"]

#: Where long names are cut: the middle keeps a recording's start and its role.
ELIDE_MODE = Qt.TextElideMode.ElideMiddle
#: Characters a combo box asks room for (its size hint); longer text is elided.
MIN_CHARS = 8
#: Dynamic property of a combo box: the text it last drew (elided or whole).
SHOWN_TEXT = "shown_text"
_HINT = "behavert_tooltip"  # the tooltip the box had before it was elided


def elided(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` cut in the middle with "…" to fit ``width`` pixels."""
    return metrics.elidedText(text, ELIDE_MODE, max(0, int(width)))


def elide_choices(widget: QWidget) -> None:
    """Make the combo boxes and lists under ``widget`` narrow and eliding.

    Idempotent; boxes and lists added to ``widget`` later need another call.
    """
    for combo in widget.findChildren(QComboBox):
        if combo.property(_HINT) is None and not combo.isEditable():
            _elide_combo(combo)
    for view in widget.findChildren(QListWidget):
        if view.property(_HINT) is None:
            view.setProperty(_HINT, view.toolTip())
            view.setTextElideMode(ELIDE_MODE)
            # a list elides only the text it cannot scroll to
            view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            _ItemTooltips(view.model())


def _elide_combo(combo: QComboBox) -> None:
    combo.setProperty(_HINT, combo.toolTip())
    combo.setSizeAdjustPolicy(
        QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
    )
    combo.setMinimumContentsLength(MIN_CHARS)
    combo.view().setTextElideMode(ELIDE_MODE)
    _ItemTooltips(combo.model())
    combo.installEventFilter(_ElidingPainter(combo))
    # Qt caches the minimum size hint, and only a style change clears it
    QApplication.sendEvent(combo, QEvent(QEvent.Type.StyleChange))
    combo.updateGeometry()


class _ItemTooltips(QObject):
    """Give each item of a model its full text as tooltip, as items come."""

    def __init__(self, model) -> None:
        super().__init__(model)
        self._model = model
        model.rowsInserted.connect(self._on_rows_inserted)
        if model.rowCount() > 0:
            self._on_rows_inserted(QModelIndex(), 0, model.rowCount() - 1)

    def _on_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        model = self._model
        for row in range(first, last + 1):
            index = model.index(row, 0, parent)
            text = model.data(index, Qt.ItemDataRole.DisplayRole)
            if text:
                model.setData(index, str(text), Qt.ItemDataRole.ToolTipRole)


class _ElidingPainter(QObject):
    """Paint a combo box with its current text elided to the space it has."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint and isinstance(watched, QComboBox):
            _paint(watched)
            return True
        return False


def _paint(combo: QComboBox) -> None:
    """What ``QComboBox.paintEvent`` draws, with the label text elided."""
    painter = QStylePainter(combo)
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
    field = combo.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox,
        option,
        QStyle.SubControl.SC_ComboBoxEditField,
        combo,
    )
    icon = option.iconSize.width() + 4 if not option.currentIcon.isNull() else 0
    full = option.currentText
    option.currentText = elided(full, combo.fontMetrics(), field.width() - icon)
    painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)
    painter.end()
    combo.setProperty(SHOWN_TEXT, option.currentText)
    hint = str(combo.property(_HINT) or "")
    cut = option.currentText != full
    tooltip = "\n\n".join(t for t in (full if cut else "", hint) if t)
    if combo.toolTip() != tooltip:
        combo.setToolTip(tooltip)
