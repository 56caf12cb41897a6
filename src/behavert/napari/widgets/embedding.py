"""The embedding dock: a 2-D map of the frames (PCA or UMAP), linked to the video.

Each frame is a dot at its ``(pc1, pc2)``; the dots are rasterised once with
numpy into a pixmap (fast for the 108,000 frames of an hour), and only the
current-frame marker and the lasso are painted on top when the slider moves.

* Drag a lasso around dots to select their frames (Shift adds to the
  selection; Clear empties it). Selected frames are ringed on the video by the
  ``"selected frames"`` Points layer (a ring around each animal, only on those
  frames), marked in the timeline docks' highlight row, and announced by the
  ``selection_changed`` signal (frame numbers).
* Click a dot to seek the video to its frame; "Next selected" jumps to the next
  selected frame.
* The current frame's dot is marked with a red ring and follows the slider.

The map comes from :meth:`EmbeddingWidget.set_embedding` or from a layer's
``metadata["embedding"]`` (``(time, 2)``; ``motifs_to_layer(...,
embedding=...)`` puts it there), coloured by the layer's motifs.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from qtpy.QtCore import QPointF, Qt, Signal
from qtpy.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap
from qtpy.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...colors import NONE_COLOR, category_colors, hex_to_rgb8, motif_colors
from ...io.poses import Poses
from .raster import RasterDock, blank_image, image_to_pixmap
from .timeline import timelines_of

if TYPE_CHECKING:
    import napari

__all__ = ["SELECTION_LAYER", "EmbeddingWidget"]

#: Name of the Points layer ringing the animals on the selected frames.
SELECTION_LAYER = "selected frames"
MARGIN = 8
#: The status line while no layer carries a map.
NO_MAP = "No map yet: Analyze puts one on its motif layer (then Refresh)."
SELECTED = (255, 255, 255)


def _label_colors(labels: np.ndarray) -> np.ndarray:
    """``(time, 3)`` uint8 colours of per-frame labels (motif ids or names)."""
    labels = np.asarray(labels)
    if labels.dtype.kind in "iu":
        table = {k: hex_to_rgb8(c) for k, c in motif_colors(labels).items()}
        return np.array([table[int(k)] for k in labels], np.uint8).reshape(-1, 3)
    text = labels.astype(str)
    names = [n for n in np.unique(text) if n]
    table = {k: hex_to_rgb8(c) for k, c in category_colors(names).items()}
    table[""] = hex_to_rgb8(NONE_COLOR)
    return np.array([table[n] for n in text], np.uint8).reshape(-1, 3)


class _EmbeddingCanvas(QWidget):
    """Paints the cached dots, the current-frame marker and the lasso."""

    def __init__(self, owner: EmbeddingWidget) -> None:
        super().__init__()
        self._owner = owner
        self._lasso: list[QPointF] = []
        self.setMinimumSize(200, 200)

    def paintEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        owner = self._owner
        painter = QPainter(self)
        painter.drawPixmap(0, 0, owner.pixmap_for(self.width(), self.height()))
        point = owner.current_point()
        if point is not None:
            painter.setPen(QPen(QColor(255, 60, 60), 2))
            painter.drawEllipse(QPointF(*point), 6.0, 6.0)
        if len(self._lasso) > 1:
            painter.setPen(QPen(QColor(255, 255, 0), 1, Qt.PenStyle.DashLine))
            path = QPainterPath(self._lasso[0])
            for p in self._lasso[1:]:
                path.lineTo(p)
            painter.drawPath(path)
        painter.end()

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._lasso = [event.position()]

    def mouseMoveEvent(self, event: Any) -> None:  # noqa: N802
        if self._lasso:
            self._lasso.append(event.position())
            self.update()

    def mouseReleaseEvent(self, event: Any) -> None:  # noqa: N802
        lasso, self._lasso = self._lasso, []
        if not lasso:
            return
        xy = np.array([[p.x(), p.y()] for p in lasso])
        if len(xy) < 3 or np.ptp(xy, axis=0).max() < 4:
            self._owner.seek_nearest(*xy[-1])
        else:
            add = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self._owner.select_polygon(xy, add=add)
        self.update()


class EmbeddingWidget(RasterDock):
    """A 2-D map of the frames; selecting dots highlights those frames.

    Parameters
    ----------
    viewer
        The napari viewer; its dims axis ``time_axis`` is the frame axis.
    time_axis
        Dims axis of time (0 for behavert's ``(frame, y, x)`` layers).
    """

    selection_changed = Signal(object)  # (n,) int frame numbers

    def __init__(self, viewer: napari.viewer.Viewer, time_axis: int = 0) -> None:
        super().__init__(viewer, time_axis)
        self._xy = np.empty((0, 2))
        self._frames = np.empty(0, np.int64)
        self._colors = np.empty((0, 3), np.uint8)
        self._selected = np.empty(0, bool)
        self._poses: Poses | None = None
        self._shown = 0  # id of the layer embedding shown
        self.canvas = _EmbeddingCanvas(self)
        self.canvas.setObjectName("embedding_canvas")
        buttons = {}
        for name, text, handler in [
            ("refresh_button", "Refresh", self._on_refresh_button_clicked),
            ("clear_button", "Clear", self._on_clear_button_clicked),
            ("next_button", "Next selected", self._on_next_button_clicked),
        ]:
            buttons[name] = button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(handler)
        self._status = QLabel("")
        self._status.setObjectName("status")
        bar = QHBoxLayout()
        for button in buttons.values():
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self._status)
        self._watch_viewer(removed=False)
        self.refresh_from_layers()

    # ------------------------------------------------------------ public API
    def set_embedding(
        self,
        xy: np.ndarray,
        *,
        frames: np.ndarray | None = None,
        labels: np.ndarray | None = None,
        colors: np.ndarray | None = None,
        poses: Poses | None = None,
    ) -> None:
        """Show a 2-D map of the frames.

        Parameters
        ----------
        xy
            ``(time, 2)`` map coordinates (e.g. ``pc1, pc2``); NaN rows are
            not drawn.
        frames
            ``(time,)`` frame numbers (default ``poses.frame_index`` or
            ``0..time-1``).
        labels
            ``(time,)`` motif ids (``motif_colors``) or names
            (``category_colors``) to colour the dots by.
        colors
            ``(time, 3)`` uint8 colours instead of ``labels``.
        poses
            The recording, to ring the animals of the selected frames.
        """
        xy = np.asarray(xy, dtype=np.float64)
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise ValueError(f"xy must be (time, 2), got shape {xy.shape}")
        if frames is None:
            ok = poses is not None and poses.n_frames == len(xy)
            frames = poses.frame_index if ok else np.arange(len(xy))
        frames = np.asarray(frames, dtype=np.int64)
        if frames.shape != (len(xy),):
            raise ValueError(f"frames has shape {frames.shape}, expected ({len(xy)},)")
        if colors is None:
            colors = (
                _label_colors(labels)
                if labels is not None
                else np.tile(np.array([[86, 180, 233]], np.uint8), (len(xy), 1))
            )
        order = np.argsort(frames, kind="stable")
        self._xy, self._frames = xy[order], frames[order]
        self._colors = np.asarray(colors, np.uint8)[order]
        self._poses = poses
        self._selected = np.zeros(len(xy), bool)
        self._after_selection()

    def refresh_from_layers(self) -> None:
        """Use the last layer carrying ``metadata["embedding"]``, if any.

        Runs by itself when such a layer is added or updated in place.
        """
        layer = self._source()
        if layer is None:
            self._status.setText(NO_MAP)
            return
        meta = layer.metadata
        self.set_embedding(
            meta["embedding"],
            frames=meta.get("frames"),
            labels=meta.get("motif"),
            poses=meta.get("poses"),
        )
        self._shown = id(meta["embedding"])

    @property
    def selected_frames(self) -> np.ndarray:
        """Frame numbers of the selected dots, sorted."""
        return self._frames[self._selected]

    def select_frames(self, frames: Any, *, add: bool = False) -> None:
        """Select these frame numbers (``add`` keeps the current selection)."""
        chosen = np.isin(self._frames, np.asarray(frames, dtype=np.int64))
        self._selected = chosen | (self._selected if add else False)
        self._after_selection()

    def select_polygon(self, polygon: np.ndarray, *, add: bool = False) -> None:
        """Select the dots inside a ``(vertex, 2)`` canvas-pixel polygon."""
        from matplotlib.path import Path

        screen = self.to_screen(self._xy)
        inside = Path(np.asarray(polygon, float)).contains_points(
            np.nan_to_num(screen, nan=-1e9)
        )
        self._selected = inside | (self._selected if add else False)
        self._after_selection()

    def to_screen(self, xy: np.ndarray) -> np.ndarray:
        """Canvas pixel ``(x, y)`` of map points ``(n, 2)``."""
        finite = self._xy[np.isfinite(self._xy).all(1)]
        if not len(finite):
            return np.full_like(np.asarray(xy, float), np.nan)
        lo, hi = finite.min(0), finite.max(0)
        span = np.where(hi > lo, hi - lo, 1.0)
        size = np.array([self.canvas.width(), self.canvas.height()]) - 2 * MARGIN
        rel = (np.asarray(xy, float) - lo) / span
        return np.column_stack(
            [MARGIN + rel[:, 0] * size[0], MARGIN + (1 - rel[:, 1]) * size[1]]
        )

    def current_point(self) -> tuple[float, float] | None:
        """Canvas position of the current frame's dot (None when not mapped)."""
        i = np.searchsorted(self._frames, self.current_frame)
        if i >= len(self._frames) or self._frames[i] != self.current_frame:
            return None
        x, y = self.to_screen(self._xy[i : i + 1])[0]
        return (float(x), float(y)) if np.isfinite([x, y]).all() else None

    def seek_nearest(self, x: float, y: float, radius: float = 10.0) -> int | None:
        """Seek the video to the frame of the dot nearest canvas (x, y)."""
        screen = self.to_screen(self._xy)
        distance = np.hypot(screen[:, 0] - x, screen[:, 1] - y)
        if not len(distance) or not np.nanmin(distance) <= radius:
            return None
        frame = int(self._frames[np.nanargmin(distance)])
        self._viewer.dims.set_current_step(self._time_axis, frame)
        return frame

    # -------------------------------------------------------------- handlers
    def _on_layers_changed(self, event: Any = None) -> None:
        value = getattr(event, "value", None)
        if value is None:
            return
        value.events.data.connect(self._on_layer_data)
        if value.metadata.get("embedding") is not None:
            self.refresh_from_layers()

    def _refresh_if_changed(self) -> None:
        """After an in-place layer update, refresh if its embedding changed."""
        source = self._source()
        if source is not None and id(source.metadata["embedding"]) != self._shown:
            self.refresh_from_layers()

    def _source(self) -> Any:
        """The last layer carrying ``metadata["embedding"]``, or None."""
        for layer in reversed(list(self._viewer.layers)):
            if layer.metadata.get("embedding") is not None:
                return layer
        return None

    def _on_refresh_button_clicked(self, *_: object) -> None:
        self.refresh_from_layers()

    def _on_clear_button_clicked(self, *_: object) -> None:
        self.select_frames([])

    def _on_next_button_clicked(self, *_: object) -> int | None:
        frames = self.selected_frames
        if not len(frames):
            return None
        later = frames[frames > self.current_frame]
        frame = int(later[0] if len(later) else frames[0])
        self._viewer.dims.set_current_step(self._time_axis, frame)
        return frame

    # --------------------------------------------------------------- drawing
    def _after_selection(self) -> None:
        frames = self.selected_frames
        self._status.setText(f"{len(frames)} of {len(self._frames)} frames selected")
        self._update_selection_layer(frames)
        for timeline in timelines_of(self._viewer):
            timeline.set_highlight(frames)
        self._invalidate()
        self.selection_changed.emit(frames)

    def _update_selection_layer(self, frames: np.ndarray) -> None:
        """Ring each animal (its keypoint centroid) on the selected frames."""
        layers, poses = self._viewer.layers, self._poses
        if poses is None:
            return
        t = np.flatnonzero(np.isin(poses.frame_index, frames))
        with warnings.catch_warnings():  # all-NaN animals: "mean of empty slice"
            warnings.simplefilter("ignore", RuntimeWarning)
            centre = np.nanmean(poses.position[t, :, :, :2], axis=2)  # (t, ind, xy)
        tt, ii = np.nonzero(np.isfinite(centre).all(-1))
        data = np.column_stack(
            [poses.frame_index[t][tt], centre[tt, ii, 1], centre[tt, ii, 0]]
        ).reshape(-1, 3)
        if SELECTION_LAYER in layers:
            layers[SELECTION_LAYER].data = data
            return
        xy = poses.position[..., :2]
        extent = float(np.nanmax(np.ptp(xy, axis=2))) if np.isfinite(xy).any() else 40
        self._viewer.add_points(
            data,
            ndim=3,
            name=SELECTION_LAYER,
            size=min(max(extent, 10.0), 200.0),
            face_color="transparent",
            border_color="white",
            border_width=0.08,
            metadata={"behavert_role": "selection"},
        )

    def _render(self, width: int, height: int) -> QPixmap:
        """Rasterise the dots (4x4 pixels, 2x2 beyond 5,000 dots; selected: white)."""
        image = blank_image(height, width)
        screen = self.to_screen(self._xy)
        ok = np.isfinite(screen).all(1)
        px = np.full(len(screen), -1, np.int64)
        py = np.full(len(screen), -1, np.int64)
        px[ok], py[ok] = screen[ok, 0].astype(np.int64), screen[ok, 1].astype(np.int64)
        colors = self._colors
        if self._selected.any():  # dim the rest so the selection stands out
            colors = np.where(self._selected[:, None], colors, colors // 2 + 20)
        dot = (-1, 0, 1, 2) if len(px) <= 5000 else (0, 1)  # pixels around a dot
        for offsets, mask, color in [
            (dot, ok & ~self._selected, colors),
            ((-2, *dot, 3), ok & self._selected, np.array(SELECTED, np.uint8)),
        ]:
            x, y = px[mask], py[mask]
            c = color[mask] if color.ndim == 2 else color
            for dx in offsets:
                for dy in offsets:
                    xi = np.clip(x + dx, 0, width - 1)
                    yi = np.clip(y + dy, 0, height - 1)
                    image[yi, xi, :3] = c
        return image_to_pixmap(image)
