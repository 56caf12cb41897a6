"""Pure converters from :class:`~behavert.io.poses.Poses` to napari layer data.

Every function returns napari ``LayerData`` tuples ``(data, kwargs, layer_type)``
and needs no viewer (nor a napari import), so it is tested without Qt.

Coordinates follow napari's ``(time, row, column)`` order, i.e. ``(frame, y, x)``.
The time coordinate of a pose is its original frame number
(``Poses.frame_index``), so poses whose index starts at 42150 sit on frame
42150 of the full recording. When the video is a clip holding exactly the pose
frames, the image layer is translated along time instead (``video_start``).

Skeleton edges are drawn as a napari **Vectors** layer (``vector_style="line"``)
by default, not as a Shapes layer of ``"line"`` shapes: napari builds one
Python object and one triangulation per shape, which takes about 0.8 s per 5,000
edges (minutes for a long multi-animal recording), whereas Vectors are one
vectorised array (60,000 edges in 0.03 s). ``skeleton="shapes"`` is kept for
small recordings where editable shapes are wanted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ...colors import individual_colors
from ...io.poses import Poses

__all__ = [
    "poses_to_layers",
    "poses_to_points",
    "poses_to_skeleton",
    "video_to_layer",
]

LayerData = tuple[Any, dict, str]

#: napari axis labels of the layers here: the time axis is named, so the dims
#: slider says "frame" (napari's default label for it is "-3")
FRAME_AXES = ("frame", "y", "x")
FRAME_AXES_3D = ("frame", "z", "y", "x")


def _layer_name(poses: Poses, name: str | None) -> str:
    if name:
        return name
    if poses.path is not None:
        return poses.path.stem
    return poses.source


def _default_size(poses: Poses, video: Any | None) -> float:
    """Point size in pixels: about 1 % of the larger image side (at least 3)."""
    if video is not None:
        extent = max(video.shape[1], video.shape[2])
    else:
        xy = poses.position[..., :2]
        extent = float(np.nanmax(xy)) if np.isfinite(xy).any() else 300.0
    return float(max(3.0, round(extent / 100.0)))


def video_to_layer(
    video: Any, *, name: str = "video", video_start: int = 0
) -> LayerData:
    """Describe a lazy video as an Image layer (never loaded into memory).

    Parameters
    ----------
    video
        ``(time, height, width[, 3])`` array-like, e.g. a
        :class:`~behavert.io.video.VideoReader`, or a path to open lazily.
    name
        Layer name.
    video_start
        Frame number of the video's first frame (the layer's time translation).
    """
    if isinstance(video, (str, Path)):
        from ...io.video import open_video

        video = open_video(video)
    rgb = video.ndim == 4 and video.shape[-1] in (3, 4)
    kwargs = {
        "name": name,
        "rgb": rgb,
        "multiscale": False,
        "contrast_limits": (0, 255),
        "translate": (float(video_start), 0.0, 0.0),
        "axis_labels": FRAME_AXES,
        "metadata": {"behavert_role": "video", "path": getattr(video, "path", None)},
    }
    return video, kwargs, "image"


def poses_to_points(
    poses: Poses, *, name: str = "keypoints", size: float = 5.0
) -> LayerData:
    """Describe keypoints as a Points layer with rows ``(frame, y, x)``.

    Points whose x or y is NaN are dropped. ``features`` columns are
    ``individual`` and ``keypoint`` (categorical), ``confidence`` and ``frame``;
    faces are coloured by individual (`behavert.colors.individual_colors`).
    """
    xy = poses.position[..., :2]  # (time, individual, keypoint, xy)
    t, i, k = np.nonzero(np.isfinite(xy).all(axis=-1))
    frames = poses.frame_index[t]
    data = np.column_stack(
        [frames.astype(np.float64), xy[t, i, k, 1], xy[t, i, k, 0]]
    ).reshape(-1, 3)
    features = pd.DataFrame(
        {
            "individual": pd.Categorical.from_codes(i, categories=poses.individuals),
            "keypoint": pd.Categorical.from_codes(k, categories=poses.keypoints),
            "confidence": poses.confidence[t, i, k],
            "frame": frames,
        }
    )
    kwargs = {
        "name": name,
        "ndim": 3,
        "axis_labels": FRAME_AXES,
        "features": features,
        "face_color": "individual",
        "face_color_cycle": individual_colors(poses.individuals),
        "border_width": 0,
        "size": size,
        "metadata": {"behavert_role": "keypoints", "poses": poses},
    }
    return data, kwargs, "points"


def _edge_segments(poses: Poses) -> tuple[np.ndarray, ...]:
    """Segments of every skeleton edge whose two ends are finite.

    Returns
    -------
    start, end
        ``(segment, 3)`` ``(frame, y, x)`` coordinates of both ends.
    individual, edge
        ``(segment,)`` indices into ``poses.individuals`` and ``poses.edges``.
    """
    if not poses.edges:
        empty = np.empty((0, 3))
        return empty, empty, np.empty(0, int), np.empty(0, int)
    xy = poses.position[..., :2]
    a, b = np.array(poses.edges).T
    pa, pb = xy[:, :, a], xy[:, :, b]  # (time, individual, edge, xy)
    t, i, e = np.nonzero(np.isfinite(pa).all(-1) & np.isfinite(pb).all(-1))
    frames = poses.frame_index[t].astype(np.float64)
    start = np.column_stack([frames, pa[t, i, e, 1], pa[t, i, e, 0]]).reshape(-1, 3)
    end = np.column_stack([frames, pb[t, i, e, 1], pb[t, i, e, 0]]).reshape(-1, 3)
    return start, end, i, e


def poses_to_skeleton(
    poses: Poses,
    *,
    name: str = "skeleton",
    kind: Literal["vectors", "shapes"] = "vectors",
    width: float = 1.5,
) -> LayerData:
    """Describe skeleton edges per frame, coloured by individual.

    Edges with a NaN end are dropped.

    Parameters
    ----------
    kind
        ``"vectors"``: a Vectors layer, data ``(segment, 2, 3)`` holding the
        ``(frame, y, x)`` start and the ``(0, dy, dx)`` direction (fast; see the
        module docstring). ``"shapes"``: a Shapes layer of ``"line"`` shapes, each
        ``(2, 3)`` ``(frame, y, x)`` end points (slow beyond a few thousand).
    """
    start, end, ind, edge = _edge_segments(poses)
    names = [f"{poses.keypoints[a]}-{poses.keypoints[b]}" for a, b in poses.edges]
    features = pd.DataFrame(
        {
            "individual": pd.Categorical.from_codes(ind, categories=poses.individuals),
            "edge": pd.Categorical.from_codes(edge, categories=names)
            if names
            else pd.Categorical([]),
            "frame": start[:, 0].astype(np.int64),
        }
    )
    colors = individual_colors(poses.individuals)
    kwargs: dict[str, Any] = {
        "name": name,
        "features": features,
        "edge_width": width,
        "axis_labels": FRAME_AXES,
        "metadata": {"behavert_role": "skeleton", "poses": poses},
    }
    if kind == "vectors":
        direction = end - start
        direction[:, 0] = 0.0
        data = np.stack([start, direction], axis=1)
        kwargs.update(
            ndim=3,
            edge_color="individual",
            edge_color_cycle=colors,
            vector_style="line",
            length=1.0,
        )
        return data, kwargs, "vectors"
    if kind == "shapes":
        data = list(np.stack([start, end], axis=1))
        palette = [colors[poses.individuals[j]] for j in ind]
        kwargs.update(ndim=3, shape_type="line", edge_color=palette or "white")
        return data, kwargs, "shapes"
    raise ValueError(f"kind must be 'vectors' or 'shapes', got {kind!r}")


def poses_to_layers(
    poses: Poses,
    video: Any | None = None,
    *,
    name: str | None = None,
    video_start: int | None = None,
    skeleton: Literal["vectors", "shapes"] = "vectors",
    point_size: float | None = None,
) -> list[LayerData]:
    """Describe a recording as napari layers: video, keypoints and skeleton.

    Parameters
    ----------
    poses
        The poses; 3D poses are shown as their ``(x, y)`` projection.
    video
        ``(time, height, width[, 3])`` lazy array (e.g. a ``VideoReader``), a
        video path, or None for no image layer.
    name
        Prefix of the layer names (default: the pose file's stem); layers are
        named ``"<name> video"``, ``"<name> keypoints"`` and ``"<name> skeleton"``.
    video_start
        Frame number of the video's first frame. None guesses: 0, unless the
        pose frame numbers lie beyond the video but the video has exactly as
        many frames as the poses (a clip of those frames), then the first pose
        frame number.
    skeleton
        Layer type of the skeleton, see :func:`poses_to_skeleton`. No skeleton
        layer is made when the poses have no edges.
    point_size
        Keypoint size in pixels (default about 1 % of the image side).

    Returns
    -------
    list of (data, kwargs, layer_type)
        Image (when a video is given), Points, then Vectors/Shapes.
    """
    base = _layer_name(poses, name)
    layers: list[LayerData] = []
    if isinstance(video, (str, Path)):
        from ...io.video import open_video

        video = open_video(video)
    if video is not None:
        if video_start is None:
            video_start = _guess_video_start(poses, len(video))
        layers.append(
            video_to_layer(video, name=f"{base} video", video_start=video_start)
        )
    size = point_size if point_size is not None else _default_size(poses, video)
    layers.append(poses_to_points(poses, name=f"{base} keypoints", size=size))
    if poses.edges:
        layers.append(
            poses_to_skeleton(
                poses, name=f"{base} skeleton", kind=skeleton, width=max(1, size / 4)
            )
        )
    return layers


def _guess_video_start(poses: Poses, n_video_frames: int) -> int:
    if poses.n_frames == 0:
        return 0
    first, last = int(poses.frame_index[0]), int(poses.frame_index[-1])
    if last >= n_video_frames and n_video_frames == poses.n_frames:
        return first
    return 0
