"""The base of the docks that paint the frames into a cached raster.

The timeline and the embedding map draw their content once into a pixmap
(numpy RGBA raster, then ``QImage``); moving the slider only repaints a cursor
on top, so both stay fast on one-hour recordings. :class:`RasterDock` holds
that cache and the viewer wiring they share; a subclass implements
``_render(width, height) -> QPixmap`` and ``_refresh_if_changed()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from qtpy.QtCore import QTimer
from qtpy.QtGui import QImage, QPixmap
from qtpy.QtWidgets import QWidget

if TYPE_CHECKING:
    import napari

__all__ = ["BACKGROUND", "RasterDock", "blank_image", "image_to_pixmap"]

#: Background of the rasters (napari's dark theme).
BACKGROUND = (38, 41, 48)


def blank_image(height: int, width: int) -> np.ndarray:
    """``(height, width, 4)`` uint8 RGBA raster filled with ``BACKGROUND``."""
    image = np.empty((max(height, 1), max(width, 1), 4), np.uint8)
    image[..., :3], image[..., 3] = BACKGROUND, 255
    return image


def image_to_pixmap(image: np.ndarray) -> QPixmap:
    """A ``QPixmap`` copy of an ``(height, width, 4)`` uint8 RGBA raster."""
    buffer = np.ascontiguousarray(image).tobytes()  # alive while copied
    height, width = image.shape[:2]
    fmt = QImage.Format.Format_RGBA8888
    return QPixmap.fromImage(QImage(buffer, width, height, 4 * width, fmt))


class RasterDock(QWidget):
    """A dock showing a cached raster of a viewer's frames (see the module).

    Parameters
    ----------
    viewer
        The napari viewer; its dims axis ``time_axis`` is the frame axis.
    time_axis
        Dims axis of time (0 for behavert's ``(frame, y, x)`` layers).
    """

    canvas: QWidget

    def __init__(self, viewer: napari.viewer.Viewer, time_axis: int = 0) -> None:
        super().__init__()
        self._viewer = viewer
        self._time_axis = time_axis
        self._pixmap: QPixmap | None = None
        self._pending = False
        self.n_renders = 0

    @property
    def current_frame(self) -> int:
        """The viewer's current frame."""
        return int(self._viewer.dims.current_step[self._time_axis])

    def pixmap_for(self, width: int, height: int) -> QPixmap:
        """The cached raster of this size (drawn again when the size changed)."""
        pixmap = self._pixmap
        if pixmap is None or (pixmap.width(), pixmap.height()) != (width, height):
            self.n_renders += 1
            self._pixmap = pixmap = self._render(width, height)
        return pixmap

    def _invalidate(self) -> None:
        """Drop the cached raster and repaint."""
        self._pixmap = None
        self.canvas.update()

    def _watch_viewer(self, *, removed: bool) -> None:
        """Follow the slider, added (and ``removed``) layers and layer data."""
        events = self._viewer.layers.events
        self._viewer.dims.events.current_step.connect(self._on_current_step)
        events.inserted.connect(self._on_layers_changed)
        if removed:
            events.removed.connect(self._on_layers_changed)
        for layer in self._viewer.layers:
            layer.events.data.connect(self._on_layer_data)

    def _on_current_step(self, event: Any = None) -> None:
        self.canvas.update()  # cursor only: the raster is reused

    def _on_layers_changed(self, event: Any = None) -> None:  # pragma: no cover
        raise NotImplementedError

    def _on_layer_data(self, event: Any = None) -> None:
        """Refresh once the current update (data, then metadata) is over."""
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self._after_layer_data)

    def _after_layer_data(self) -> None:
        self._pending = False
        self._refresh_if_changed()

    def _refresh_if_changed(self) -> None:  # pragma: no cover
        raise NotImplementedError

    def _render(self, width: int, height: int) -> QPixmap:  # pragma: no cover
        raise NotImplementedError
