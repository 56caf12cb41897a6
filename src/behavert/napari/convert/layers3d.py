"""Pure converters from 3D :class:`~behavert.io.poses.Poses` to napari layer data.

Like :mod:`behavert.napari.convert.layers` (which shows 3D poses as their ``(x, y)``
projection), every function returns ``(data, kwargs, layer_type)`` tuples and
needs no viewer. Coordinates are ``(frame, z, y, x)``: napari's 3D view
(``viewer.dims.ndisplay = 3``) then shows ``z`` as depth, with time on the
slider. Skeleton edges are a Vectors layer whose directions are
``(0, dz, dy, dx)``, so each edge is drawn inside its own frame.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...colors import individual_colors
from ...io.poses import Poses
from .layers import FRAME_AXES_3D

__all__ = [
    "floor_to_layer",
    "poses3d_to_layers",
    "poses3d_to_points",
    "poses3d_to_skeleton",
]

LayerData = tuple[Any, dict, str]


def _require_3d(poses: Poses) -> None:
    if poses.n_space != 3:
        where = poses.path or poses.source
        raise ValueError(
            f"{where}: poses are {poses.n_space}D; use behavert.napari.convert.layers "
            "for 2D poses"
        )


def _tzyx(poses: Poses, t, i, k) -> np.ndarray:
    p = poses.position[t, i, k]  # (n, xyz)
    frames = poses.frame_index[t].astype(np.float64)
    return np.column_stack([frames, p[:, 2], p[:, 1], p[:, 0]]).reshape(-1, 4)


def poses3d_to_points(
    poses: Poses, *, name: str = "keypoints 3D", size: float = 5.0
) -> LayerData:
    """Keypoints as a Points layer with rows ``(frame, z, y, x)``.

    Points with any NaN coordinate are dropped. ``features``: ``individual``,
    ``keypoint`` (categorical), ``confidence`` and ``frame``.
    """
    _require_3d(poses)
    t, i, k = np.nonzero(np.isfinite(poses.position).all(axis=-1))
    features = pd.DataFrame(
        {
            "individual": pd.Categorical.from_codes(i, categories=poses.individuals),
            "keypoint": pd.Categorical.from_codes(k, categories=poses.keypoints),
            "confidence": poses.confidence[t, i, k],
            "frame": poses.frame_index[t],
        }
    )
    kwargs = {
        "name": name,
        "ndim": 4,
        "axis_labels": FRAME_AXES_3D,
        "features": features,
        "face_color": "individual",
        "face_color_cycle": individual_colors(poses.individuals),
        "border_width": 0,
        "size": size,
        "metadata": {"behavert_role": "keypoints", "poses": poses},
    }
    return _tzyx(poses, t, i, k), kwargs, "points"


def poses3d_to_skeleton(
    poses: Poses, *, name: str = "skeleton 3D", width: float = 1.5
) -> LayerData:
    """Skeleton edges as a Vectors layer, data ``(segment, 2, 4)``.

    Each segment holds its ``(frame, z, y, x)`` start and its ``(0, dz, dy,
    dx)`` direction; edges with a NaN end are dropped. ``features``:
    ``individual``, ``edge`` (categorical) and ``frame``.
    """
    _require_3d(poses)
    names = [f"{poses.keypoints[a]}-{poses.keypoints[b]}" for a, b in poses.edges]
    if poses.edges:
        a, b = np.array(poses.edges).T
        pa, pb = poses.position[:, :, a], poses.position[:, :, b]
        t, i, e = np.nonzero(np.isfinite(pa).all(-1) & np.isfinite(pb).all(-1))
        start = _tzyx(poses, t, i, a[e])
        end = _tzyx(poses, t, i, b[e])
    else:
        t = i = e = np.empty(0, dtype=int)
        start = end = np.empty((0, 4))
    direction = end - start
    direction[:, 0] = 0.0
    features = pd.DataFrame(
        {
            "individual": pd.Categorical.from_codes(i, categories=poses.individuals),
            "edge": pd.Categorical.from_codes(e, categories=names)
            if names
            else pd.Categorical([]),
            "frame": poses.frame_index[t] if len(t) else np.empty(0, np.int64),
        }
    )
    kwargs = {
        "name": name,
        "ndim": 4,
        "axis_labels": FRAME_AXES_3D,
        "features": features,
        "edge_width": width,
        "edge_color": "individual",
        "edge_color_cycle": individual_colors(poses.individuals),
        "vector_style": "line",
        "length": 1.0,
        "metadata": {"behavert_role": "skeleton", "poses": poses},
    }
    return np.stack([start, direction], axis=1), kwargs, "vectors"


def floor_to_layer(
    poses: Poses, *, name: str = "floor", spacing: int = 4, margin: float = 0.05
) -> LayerData:
    """A grid on the floor plane ``z = 0`` under the poses (a depth reference).

    A 3D Vectors layer (``ndim=3``, ``(z, y, x)``), so napari shows it in
    every frame. It spans the poses' ``x, y`` range plus ``margin``, with
    ``spacing`` cells per side.
    """
    _require_3d(poses)
    xy = poses.position[..., :2][np.isfinite(poses.position[..., :2]).all(-1)]
    lo, hi = (xy.min(0), xy.max(0)) if len(xy) else (np.zeros(2), np.ones(2))
    pad = margin * (hi - lo).max()
    (x0, y0), (x1, y1) = lo - pad, hi + pad
    lines = []
    for x in np.linspace(x0, x1, spacing + 1):
        lines.append([[0.0, y0, x], [0.0, y1 - y0, 0.0]])
    for y in np.linspace(y0, y1, spacing + 1):
        lines.append([[0.0, y, x0], [0.0, 0.0, x1 - x0]])
    kwargs = {
        "name": name,
        "ndim": 3,
        "axis_labels": FRAME_AXES_3D[1:],
        "edge_color": "#808080",
        "edge_width": 0.5,
        "vector_style": "line",
        "length": 1.0,
        "metadata": {"behavert_role": "floor"},
    }
    return np.asarray(lines), kwargs, "vectors"


def poses3d_to_layers(
    poses: Poses,
    *,
    name: str | None = None,
    point_size: float | None = None,
    floor: bool = True,
) -> list[LayerData]:
    """Keypoints and (when the poses have edges) skeleton of a 3D recording.

    Parameters
    ----------
    poses
        ``position (time, individual, keypoint, 3)``.
    name
        Layer name prefix (default: the pose file's stem or the source).
    point_size
        Point size in pose units (default: about 2 % of the largest extent).
    floor
        Add a grid on ``z = 0`` (:func:`floor_to_layer`) as a depth reference.

    Returns
    -------
    list of (data, kwargs, layer_type)
        ``"<name> floor"`` (when ``floor``), ``"<name> keypoints 3D"``
        (points), then ``"<name> skeleton 3D"`` (when the poses have edges).
    """
    _require_3d(poses)
    base = name or (poses.path.stem if poses.path is not None else poses.source)
    if point_size is None:
        finite = poses.position[np.isfinite(poses.position).all(-1)]
        extent = float(np.ptp(finite, axis=0).max()) if len(finite) else 100.0
        point_size = max(1.0, round(extent / 50.0, 1))
    layers = [floor_to_layer(poses, name=f"{base} floor")] if floor else []
    layers.append(
        poses3d_to_points(poses, name=f"{base} keypoints 3D", size=point_size)
    )
    if poses.edges:
        layers.append(
            poses3d_to_skeleton(
                poses, name=f"{base} skeleton 3D", width=max(0.5, point_size / 4)
            )
        )
    return layers
