"""Fit the camera to the tracked animals when poses open without a video.

napari fits its camera to the extent of the first layer, and the extent of a
keypoints layer includes every stray detection: in the ethome recording one
point at x = 3123 while the mice stay within x < 1170, so the mice sat at the
left edge of the canvas, partly hidden once a dock narrowed it. Without a video
there is no frame to fit to, so the camera is fitted to where the points are
(between the 0.5th and 99.5th percentiles of y and x, plus a margin).
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from ..io.poses import Poses

__all__ = [
    "MARGIN",
    "QUANTILES",
    "camera_of",
    "fit_camera",
    "fit_camera_when_added",
    "yx_bounds",
]

#: Quantiles of y and x kept in view: rare far-off detections are left out.
QUANTILES = (0.005, 0.995)
#: Blank space on each side, as a fraction of the tracked span.
MARGIN = 0.1
_MAX_ROWS = 200_000  # rows enough to place the quantiles
_FOLLOWERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def yx_bounds(
    yx: np.ndarray, quantiles: tuple[float, float] = QUANTILES
) -> tuple[np.ndarray, np.ndarray] | None:
    """``(low, high)`` corners, each ``(2,)`` ``(y, x)``, of ``(row, 2)`` points.

    None when no row is finite.
    """
    yx = np.asarray(yx, dtype=float)
    yx = yx[np.isfinite(yx).all(axis=1)]
    if len(yx) == 0:
        return None
    if len(yx) > _MAX_ROWS:
        yx = yx[:: len(yx) // _MAX_ROWS + 1]
    low, high = np.quantile(yx, quantiles, axis=0)
    return low, high


def fit_camera(viewer: Any, layer: Any) -> bool:
    """Center and zoom ``viewer``'s 2D camera on the points of ``layer``.

    ``layer`` holds rows ``(..., y, x)`` (Points ``(row, ndim)``); True if the
    camera moved. Nothing is done in 3D display or without finite points.
    Until the user moves the camera (or the layer goes), the camera is fitted
    again whenever the canvas changes size (a dock opening beside it).
    """
    if not _fit(viewer, layer):
        return False
    _FOLLOWERS[layer] = _FollowCanvas(viewer, layer)  # napari holds it weakly
    return True


def _fit(viewer: Any, layer: Any) -> bool:
    data = np.asarray(layer.data)
    if viewer.dims.ndisplay != 2 or data.ndim != 2 or len(data) == 0:
        return False
    scale = np.asarray(layer.scale)[-2:]
    yx = data[:, -2:] * scale + np.asarray(layer.translate)[-2:]
    bounds = yx_bounds(yx)
    if bounds is None:
        return False
    low, high = bounds
    span = np.maximum(high - low, scale) * (1 + 2 * MARGIN)
    height, width = viewer.canvas.size
    camera = camera_of(viewer)
    camera.center = tuple((low + high) / 2)
    camera.zoom = float(min(height / span[0], width / span[1]))
    return True


def camera_of(viewer: Any) -> Any:
    """The viewer's camera (``viewer.scene.camera`` since napari 0.9)."""
    scene = getattr(viewer, "scene", None)
    return scene.camera if scene is not None else viewer.camera


class _FollowCanvas:
    """Fit the camera again on canvas resizes while it is where we left it."""

    def __init__(self, viewer: Any, layer: Any) -> None:
        self._viewer = viewer
        self._layer = weakref.ref(layer)
        self._left = self._camera()
        viewer.canvas.events.size.connect(self._on_canvas_size)

    def _camera(self) -> np.ndarray:
        camera = camera_of(self._viewer)
        return np.array([*camera.center, camera.zoom], dtype=float)

    def _on_canvas_size(self, event: Any = None) -> None:
        layer = self._layer()
        moved = not np.allclose(self._camera(), self._left)
        if layer is None or layer not in self._viewer.layers or moved:
            self._viewer.canvas.events.size.disconnect(self._on_canvas_size)
            if layer is not None and _FOLLOWERS.get(layer) is self:
                del _FOLLOWERS[layer]
        elif _fit(self._viewer, layer):
            self._left = self._camera()


def fit_camera_when_added(poses: Poses) -> None:
    """Fit the current viewer's camera to ``poses`` when their layer comes in.

    Called where pose layers are made (the reader and the Import dock both go
    through ``layers_for_poses``): the next keypoints layer inserted in the
    current napari viewer that carries these ``poses`` gets the camera.
    """
    import napari

    viewer = napari.current_viewer()
    if viewer is None:
        return
    target = weakref.ref(poses)
    inserted = viewer.layers.events.inserted

    def on_inserted(event: Any) -> None:
        layer = event.value
        if target() is None:
            inserted.disconnect(on_inserted)
        elif (
            layer.metadata.get("poses") is target()
            and layer.metadata.get("behavert_role") == "keypoints"
        ):
            inserted.disconnect(on_inserted)
            fit_camera(viewer, layer)

    inserted.connect(on_inserted)
