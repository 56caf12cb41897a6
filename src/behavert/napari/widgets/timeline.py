"""The timeline dock: ethogram rows, curves and motif bands synced with the slider.

The tracks are drawn once into a pixmap (numpy raster of one value per pixel
column, then ``QImage``); moving the slider only repaints the cursor line, so
the dock stays fast on one-hour recordings. Clicking or dragging seeks the
video (``viewer.dims.set_current_step``); the mouse wheel zooms around the
pointer and a double click shows the whole recording again.

Tracks come from :meth:`TimelineWidget.set_tracks`, or from the layers
(:meth:`TimelineWidget.refresh_from_layers`, also run when layers are added or
removed): a layer's ``metadata["timeline_tracks"]`` (name -> ``(time,)``
values, with ``metadata["frames"]`` their frame numbers; the overlay
converters set both), the annotations of a keypoints layer
(``metadata["annotations"]``, a ``FrameLabels``) and the synthetic sample's
ground truth (``metadata["labels"]`` / ``["behaviours"]``).

Each row is labelled with a short, distinct name (``"attention"``,
``"motifs"``, ``"behaviour: interact"``; see `behavert.napari.widgets.tracks`)
elided to the names column; hovering a row shows its tooltip: the label, the
full layer name and the recording's file (``row_labels``, ``row_tooltips``,
``tooltip_at``).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from qtpy.QtCore import QEvent, QPointF, Qt, Signal
from qtpy.QtGui import QColor, QFontMetrics, QPainter, QPen, QPixmap
from qtpy.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ..convert.overlays import attention_range
from .raster import BACKGROUND, RasterDock, blank_image, image_to_pixmap
from .tracks import Track, TrackSource, make_track, tracks_from_layers

if TYPE_CHECKING:
    import napari

__all__ = ["TimelineWidget", "timelines_of"]

#: Live timeline docks (so the embedding dock can highlight its selection).
_TIMELINES: weakref.WeakSet[TimelineWidget] = weakref.WeakSet()


def _unwrapped(viewer: Any) -> Any:
    """The viewer behind napari's ``PublicOnlyProxy`` (each plugin dock has one)."""
    return getattr(viewer, "__wrapped__", viewer)


def timelines_of(viewer: Any) -> list[TimelineWidget]:
    """The timeline docks showing ``viewer`` (through any proxy of it)."""
    target = _unwrapped(viewer)
    return [t for t in list(_TIMELINES) if _unwrapped(t._viewer) is target]


LABEL_WIDTH = 150
ROW_HEIGHT = {"band": 16, "curve": 40}
HIGHLIGHT_HEIGHT = 6
AXIS_HEIGHT = 16
CURVE_COLOR = (255, 170, 60)
HIGHLIGHT_COLOR = (255, 255, 255)
#: Metadata keys whose objects feed the tracks (their identity is watched).
_TRACK_KEYS = ("timeline_tracks", "annotations", "labels")


def axis_ticks(
    view: tuple[int, int],
    x_of: Any,
    text_width: Any,
    left: int,
    right: int,
    gap: int = 8,
) -> list[tuple[int, int, str]]:
    """Frame labels of the time axis: ``(left x, right x, text)`` each.

    Round frame numbers (steps of 1, 2 or 5 x 10^k, at most about six) where
    ``x_of(frame)`` puts them; a label is centred on its frame, kept inside
    ``[left, right]`` and left out where it would touch one already placed
    (``gap`` pixels apart), so narrow docks show fewer labels, never overlapping
    ones.
    """
    start, stop = view
    span = max(stop - start, 1)
    raw = span / 6
    base = 10 ** np.floor(np.log10(raw)) if raw >= 1 else 1
    step = int(next(m * base for m in (1, 2, 5, 10) if m * base >= raw))
    first = -(-start // step) * step
    placed: list[tuple[int, int, str]] = []
    for frame in range(int(first), int(stop), step):
        x = x_of(frame)
        if x is None:
            continue
        text = str(frame)
        w = int(text_width(text))
        a = int(min(max(x - w / 2, left), right - w - 2))
        if any(a < b + gap and c < a + w + gap for c, b, _ in placed):
            continue
        placed.append((a, a + w, text))
    return placed


class _TimelineCanvas(QWidget):
    """Paints the cached track pixmap and the cursor; turns clicks into frames."""

    clicked = Signal(int)

    def __init__(self, owner: TimelineWidget) -> None:
        super().__init__()
        self._owner = owner
        self.setMouseTracking(False)
        self.setMinimumHeight(40)

    def paintEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        owner = self._owner
        pixmap = owner.pixmap_for(self.width(), self.height())
        painter = QPainter(self)
        painter.drawPixmap(0, 0, pixmap)
        x = owner.x_of(owner.current_frame)
        if x is not None:
            painter.setPen(QPen(QColor(255, 60, 60), 2))
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.end()

    def event(self, event: Any) -> bool:  # noqa: D102 (Qt: the row tooltips)
        if event.type() == QEvent.Type.ToolTip:
            pos = event.pos()
            text = self._owner.tooltip_at(pos.x(), pos.y())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def _seek(self, event: Any) -> None:
        frame = self._owner.frame_at(event.position().x())
        if frame is not None:
            self.clicked.emit(frame)

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._seek(event)

    def mouseMoveEvent(self, event: Any) -> None:  # noqa: N802
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._seek(event)

    def mouseDoubleClickEvent(self, event: Any) -> None:  # noqa: N802
        self._owner.set_view(None)

    def wheelEvent(self, event: Any) -> None:  # noqa: N802
        frame = self._owner.frame_at(event.position().x())
        if frame is not None:
            factor = 0.8 if event.angleDelta().y() > 0 else 1.25
            self._owner.zoom(factor, around=frame)


class TimelineWidget(RasterDock):
    """Ethogram, attention curve and motif bands of a recording under the video.

    Parameters
    ----------
    viewer
        The napari viewer; its dims axis ``time_axis`` is the frame axis.
    time_axis
        Dims axis of time (0 for behavert's ``(frame, y, x)`` layers).
    """

    def __init__(self, viewer: napari.viewer.Viewer, time_axis: int = 0) -> None:
        super().__init__(viewer, time_axis)
        self._tracks: list[Track] = []
        self._from_layers: list[Track] = []
        self._manual: list[Track] = []
        self._layer_key: tuple = ()
        self._highlight: np.ndarray = np.empty(0, np.int64)
        self._range = (0, 1)  # whole recording, frames [start, stop)
        self._view: tuple[int, int] | None = None
        #: the time axis' labels as last drawn: ``(left x, right x, text)``
        self.tick_labels: list[tuple[int, int, str]] = []
        self.canvas = _TimelineCanvas(self)
        self.canvas.setObjectName("timeline_canvas")
        self.canvas.clicked.connect(self._on_canvas_clicked)
        self._refresh_button = QPushButton("Refresh from layers")
        self._refresh_button.setObjectName("refresh_button")
        self._refresh_button.clicked.connect(self._on_refresh_button_clicked)
        self._frame_label = QLabel("")
        self._frame_label.setObjectName("frame_label")
        bar = QHBoxLayout()
        bar.addWidget(self._refresh_button)
        bar.addWidget(self._frame_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.canvas, 1)
        _TIMELINES.add(self)
        self._watch_viewer(removed=True)
        self.refresh_from_layers()

    # ------------------------------------------------------------ public API
    def set_tracks(
        self,
        tracks: Mapping[str, Any],
        *,
        frames: np.ndarray | None = None,
        colors: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """Show these tracks (replacing the current ones).

        Parameters
        ----------
        tracks
            Name -> ``(time,)`` values: float arrays are drawn as a curve
            (filling the row from the track's minimum to its maximum); ints
            (negative = none), strings or categoricals as an ethogram band
            ("" / None = none).
        frames
            ``(time,)`` frame numbers of the values (default ``0..time-1``).
        colors
            Optional per-track ``{category: hex colour}`` (default: the fixed
            ``category_colors`` of the sorted categories).
        """
        entries = {}
        for name, values in tracks.items():
            f = np.arange(len(values)) if frames is None else np.asarray(frames)
            entries[name] = TrackSource(f, values, (colors or {}).get(name))
        self._manual = self._build(entries)
        self._show()

    def refresh_from_layers(self) -> None:
        """Rebuild the layers' tracks (see the module docstring).

        They are shown above the tracks given to :meth:`set_tracks`. Runs by
        itself when layers are added or removed, or when a track layer's data
        is set (a re-run updating it in place).
        """
        self._layer_key = self._key()
        self._from_layers = self._build(tracks_from_layers(self._viewer.layers))
        self._show()

    def set_highlight(self, frames: Any) -> None:
        """Mark these frame numbers in a row above the tracks (e.g. a selection)."""
        self._highlight = np.unique(np.asarray(frames, dtype=np.int64))
        self._invalidate()

    @property
    def track_names(self) -> list[str]:
        """Names of the tracks (full: layer names), top to bottom."""
        return [t.name for t in self._tracks]

    @property
    def row_labels(self) -> list[str]:
        """The short labels of the rows, top to bottom (before eliding)."""
        return [t.label for t in self._tracks]

    @property
    def row_tooltips(self) -> list[str]:
        """The tooltip of each row, top to bottom."""
        return [f"{t.label}\n{t.tooltip}" for t in self._tracks]

    def tooltip_at(self, x: float, y: float) -> str:
        """The tooltip at canvas (x, y): its row's (``""`` between rows)."""
        if y < HIGHLIGHT_HEIGHT and len(self._highlight):
            return f"{len(self._highlight)} frames selected (embedding map)"
        for (_, top, h), text in zip(self._rows(), self.row_tooltips):
            if top <= y < top + h:
                return text
        return ""

    @property
    def view(self) -> tuple[int, int]:
        """Frames ``[start, stop)`` shown across the width."""
        return self._view or self._range

    def set_view(self, view: tuple[int, int] | None) -> None:
        """Show frames ``[start, stop)`` (None: the whole recording)."""
        if view is not None:
            lo, hi = self._range
            start, stop = max(lo, int(view[0])), min(hi, int(view[1]))
            view = (start, max(stop, start + 2))
        self._view = view
        self._invalidate()

    def zoom(self, factor: float, around: int) -> None:
        """Scale the shown span by ``factor`` keeping frame ``around`` in place."""
        start, stop = self.view
        new = max(10.0, (stop - start) * factor)
        left = around - (around - start) * new / (stop - start)
        self.set_view((int(round(left)), int(round(left + new))))

    def x_of(self, frame: int) -> float | None:
        """Canvas x of a frame's left edge, or None when it is out of view."""
        start, stop = self.view
        width = self.canvas.width() - LABEL_WIDTH
        if not start <= frame < stop or width <= 0:
            return None
        return LABEL_WIDTH + (frame - start + 0.5) * width / (stop - start)

    def frame_at(self, x: float) -> int | None:
        """The frame under canvas x (None left of the plot)."""
        start, stop = self.view
        width = self.canvas.width() - LABEL_WIDTH
        if x < LABEL_WIDTH or width <= 0:
            return None
        frame = start + int((x - LABEL_WIDTH) * (stop - start) / width)
        return int(np.clip(frame, start, stop - 1))

    # -------------------------------------------------------------- handlers
    def _on_current_step(self, event: Any = None) -> None:
        self._frame_label.setText(f"frame {self.current_frame}")
        self.canvas.update()  # cursor only: the pixmap is reused

    def _on_canvas_clicked(self, frame: int) -> None:
        self._viewer.dims.set_current_step(self._time_axis, frame)

    def _on_refresh_button_clicked(self, *_: object) -> None:
        self.refresh_from_layers()

    def _on_layers_changed(self, event: Any = None) -> None:
        if getattr(event, "type", None) == "inserted":
            event.value.events.data.connect(self._on_layer_data)
        self.refresh_from_layers()

    def _refresh_if_changed(self) -> None:
        if self._key() != self._layer_key:
            self.refresh_from_layers()

    def _key(self) -> tuple:
        """Identity of the layers' track sources (metadata objects)."""
        return tuple(
            (layer.name, *(id(layer.metadata.get(k)) for k in _TRACK_KEYS))
            for layer in self._viewer.layers
        )

    # --------------------------------------------------------------- drawing
    def _build(self, entries: Mapping[str, Any]) -> list[Track]:
        tracks = []
        for name, (frames, values, colors, label, tip) in entries.items():
            frames, values = np.asarray(frames, dtype=np.int64), np.asarray(values)
            if values.shape != frames.shape:
                raise ValueError(
                    f"track {name!r} has shape {values.shape}, expected "
                    f"{frames.shape} (one value per frame)"
                )
            order = np.argsort(frames, kind="stable")
            values, frames = values[order], frames[order]
            tracks.append(make_track(name, values, frames, colors, label, tip))
        return tracks

    def _show(self) -> None:
        tracks = self._tracks = self._from_layers + self._manual
        nsteps = self._viewer.dims.nsteps[self._time_axis]
        last = max([int(t.frames[-1]) + 1 for t in tracks if len(t.frames)] + [1])
        self._range = (0, max(last, int(nsteps)))
        self._view = None
        h = sum(ROW_HEIGHT[t.kind] + 2 for t in tracks)
        self.canvas.setMinimumHeight(HIGHLIGHT_HEIGHT + h + AXIS_HEIGHT + 2)
        self._invalidate()

    def _rows(self) -> list[tuple[Track, int, int]]:
        """``(track, top, height)`` of each row, in canvas pixels."""
        rows, y = [], HIGHLIGHT_HEIGHT
        for track in self._tracks:
            rows.append((track, y, ROW_HEIGHT[track.kind]))
            y += ROW_HEIGHT[track.kind] + 2
        return rows

    def _columns(self, frames: np.ndarray, width: int) -> np.ndarray:
        start, stop = self.view
        return ((frames - start) * width // (stop - start)).astype(np.int64)

    def _render(self, width: int, height: int) -> QPixmap:
        """Draw every track into an image (one value per pixel column)."""
        plot_w = max(width - LABEL_WIDTH, 1)
        image = blank_image(height, plot_w)
        if len(self._highlight):
            start, stop = self.view
            shown = self._highlight[
                (self._highlight >= start) & (self._highlight < stop)
            ]
            first = self._columns(shown, plot_w)
            after = np.minimum(self._columns(shown + 1, plot_w), plot_w)
            edges = np.zeros(plot_w + 1, np.int64)  # each frame spans its columns
            np.add.at(edges, first, 1)
            np.add.at(edges, np.maximum(after, np.minimum(first + 1, plot_w)), -1)
            marked = np.cumsum(edges[:-1]) > 0
            image[: HIGHLIGHT_HEIGHT - 1, marked, :3] = HIGHLIGHT_COLOR
        rows = self._rows()
        for track, top, h in rows:
            if top + h <= height:
                self._draw_track(image[top : top + h], track, plot_w)
        pixmap = QPixmap(max(width, 1), max(height, 1))
        pixmap.fill(QColor(*BACKGROUND))
        painter = QPainter(pixmap)
        painter.drawPixmap(LABEL_WIDTH, 0, image_to_pixmap(image))
        painter.setPen(QColor(220, 220, 220))
        metrics = QFontMetrics(painter.font())
        for track, top, h in rows:
            text = metrics.elidedText(
                track.label, Qt.TextElideMode.ElideRight, LABEL_WIDTH - 8
            )
            painter.drawText(4, top + h - 3, text)
        self.tick_labels = axis_ticks(
            self.view, self.x_of, metrics.horizontalAdvance, LABEL_WIDTH, width
        )
        for left, _, text in self.tick_labels:
            painter.drawText(left, height - 3, text)
        painter.end()
        return pixmap

    def _draw_track(self, rows: np.ndarray, track: Track, width: int) -> None:
        cols = self._columns(track.frames, width)
        keep = (cols >= 0) & (cols < width)
        cols, values = cols[keep], track.values[keep]
        if len(track.frames):  # zoomed in: a frame spans several columns
            start, stop = self.view
            empty = np.setdiff1d(np.arange(width), cols)
            centre = start + ((empty + 0.5) * (stop - start) / width).astype(np.int64)
            idx = np.clip(
                np.searchsorted(track.frames, centre), 0, len(track.frames) - 1
            )
            hit = track.frames[idx] == centre
            cols = np.r_[cols, empty[hit]]
            values = np.r_[values, track.values[idx[hit]]]
        if track.kind == "curve":
            lo, hi = attention_range(track.values)  # the layer's rule
            top = np.full(width, lo)
            np.maximum.at(top, cols, np.maximum(values, lo))
            level = (top - lo) / (hi - lo)
            h = rows.shape[0]
            filled = np.arange(h)[::-1, None] < np.round(level * h)[None, :]
            rows[filled, :3] = CURVE_COLOR
            return
        n_cat = len(track.categories)
        counts = np.zeros((width, n_cat + 1), np.int64)
        np.add.at(counts, (cols, np.where(values < 0, n_cat, values)), 1)
        present = counts.sum(1) > 0
        counts[:, n_cat] = 0  # "none" only wins where nothing else is on
        mode = counts.argmax(1)
        shown = present & (counts.max(1) > 0)
        rows[:, shown, :3] = track.colors[mode[shown]][None]
