"""Pure converters of analysis results to napari layers drawn on the video.

Each converter returns a napari ``LayerData`` tuple ``(data, kwargs,
layer_type)`` and needs no viewer (nor a napari import). Points sit on the
time axis like :func:`~behavert.napari.convert.layers.poses_to_points`: rows
are ``(frame, y, x)`` with ``frame = poses.frame_index[t]``, so scrubbing the
video scrubs them. Per-frame inputs are ``(time,)`` arrays indexed like
``poses.position``. Colours are those of :mod:`behavert.colors` (the same as
the report's figures and the timeline).

Attention rule (:func:`attention_style`): the layer keeps the importance it is
given (`behavert.inference.frame_importance`'s, which sums to 1; nothing here
renormalises it) and only its display scale runs from 0 to ``m =``
:func:`attention_scale` (the largest attention of the recording). For a frame
with attention ``a``:

* colour = ``matplotlib.colormaps[colormap](a / m)`` (napari draws it with its
  own colormap of the same name, ``face_contrast_limits=(0, m)``, which shows a
  colour bar: ``layer.face_colorbar.visible = True``, see :func:`show_colorbar`);
* size = ``lo + (hi - lo) * a / m`` pixels for ``size_range=(lo, hi)``.

NaN attention counts as 0; all-zero attention gives colour ``colormap(0)`` and
size ``lo``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ...colors import hex_to_rgba, motif_colors
from ...io.poses import Poses
from .rows import anchor_keypoint, keypoint_rows, label_text, per_frame

__all__ = [
    "attention_scale",
    "attention_style",
    "attention_to_layer",
    "motifs_to_layer",
    "show_colorbar",
]

LayerData = tuple[Any, dict, str]


def attention_scale(attention: np.ndarray) -> float:
    """Top of the attention display scale: the largest value (1.0 if none > 0)."""
    a = np.nan_to_num(np.asarray(attention, dtype=np.float64), nan=0.0)
    top = float(a.max()) if a.size else 0.0
    return top if top > 0 else 1.0


def attention_style(
    attention: np.ndarray,
    *,
    colormap: str = "inferno",
    size_range: tuple[float, float] = (3.0, 15.0),
) -> tuple[np.ndarray, np.ndarray]:
    """Colour and size of each frame's keypoints from its attention.

    Parameters
    ----------
    attention
        ``(time,)`` per-frame attention, >= 0 (NaN counts as 0).
    colormap
        A matplotlib colormap name (napari has the same names).
    size_range
        ``(lo, hi)`` point size in pixels at attention 0 and at the maximum.

    Returns
    -------
    rgba
        ``(time, 4)`` float colours ``colormap(a / max)``.
    size
        ``(time,)`` sizes ``lo + (hi - lo) * a / max``.
    """
    import matplotlib

    a = np.nan_to_num(np.asarray(attention, dtype=np.float64), nan=0.0)
    if (a < 0).any():
        raise ValueError("attention must be >= 0 (got negative values)")
    rel = a / attention_scale(a)
    lo, hi = size_range
    return matplotlib.colormaps[colormap](rel), lo + (hi - lo) * rel


def attention_to_layer(
    poses: Poses,
    attention: np.ndarray,
    *,
    name: str = "attention",
    colormap: str = "inferno",
    size_range: tuple[float, float] = (3.0, 15.0),
) -> LayerData:
    """Keypoints coloured and sized by their frame's attention (the module rule).

    Parameters
    ----------
    poses
        The recording; every finite keypoint of every individual is a point.
    attention
        ``(time,)`` per-frame importance, >= 0.

    Returns
    -------
    (data, kwargs, "points")
        ``data (point, 3)`` rows ``(frame, y, x)``; features ``attention``,
        ``individual``, ``keypoint``, ``confidence``, ``frame``;
        ``metadata["timeline_tracks"] = {name: attention}``.
    """
    a = np.nan_to_num(per_frame(poses, attention, "attention").astype(float))
    _, sizes = attention_style(a, colormap=colormap, size_range=size_range)
    data, kwargs, t = keypoint_rows(poses, None, name, None)
    kwargs["features"].insert(0, "attention", a[t])
    kwargs.pop("face_color_cycle")
    kwargs.update(
        face_color="attention",
        face_colormap=colormap,
        face_contrast_limits=(0.0, attention_scale(a)),
        size=sizes[t],
        metadata={
            "behavert_role": "attention",
            "attention": a,
            "frames": np.asarray(poses.frame_index),
            "poses": poses,
            "timeline_tracks": {name: a},
        },
    )
    return data, kwargs, "points"


def _motif_name_table(
    motif: np.ndarray, motif_names: Sequence[str] | Mapping[int, str] | None
) -> np.ndarray:
    """``(time,)`` motif name of each frame ("" for -1)."""
    ids = np.unique(motif[motif >= 0])
    if motif_names is None:
        lookup = {int(k): f"motif {k}" for k in ids}
    elif isinstance(motif_names, Mapping):
        lookup = {int(k): str(v) for k, v in motif_names.items()}
    else:
        lookup = {k: str(v) for k, v in enumerate(motif_names)}
    missing = [int(k) for k in ids if int(k) not in lookup]
    if missing:
        raise ValueError(f"no name for motif ids {missing} in motif_names")
    lookup[-1] = ""
    return np.array([lookup[int(k)] if k >= 0 else "" for k in motif], dtype=object)


def motifs_to_layer(
    poses: Poses,
    motif: np.ndarray,
    motif_names: Sequence[str] | Mapping[int, str] | None = None,
    *,
    name: str = "motifs",
    embedding: np.ndarray | None = None,
    size: float | None = None,
) -> LayerData:
    """Keypoints coloured by motif, with the motif's name as text by the animal.

    Parameters
    ----------
    motif
        ``(time,)`` int motif id per frame, -1 for none (drawn grey, no text).
    motif_names
        Name of each motif id: a sequence indexed by id, a mapping id -> name,
        or None for ``"motif <id>"``.
    embedding
        Optional ``(time, 2)`` 2-D map of the frames (e.g. ``pc1, pc2``), kept in
        ``metadata["embedding"]`` for the embedding dock.
    size
        Point size (default: about 1 % of the pose extent).

    Returns
    -------
    (data, kwargs, "points")
        Colours per point ``motif_colors`` (fixed palette); features ``motif``,
        ``motif_name``, ``label`` (the text: the name on the first individual's
        neck, else ""), ``individual``, ``keypoint``, ``confidence``, ``frame``.
    """
    motif = per_frame(poses, motif, "motif").astype(np.int64)
    names = _motif_name_table(motif, motif_names)
    data, kwargs, t = keypoint_rows(poses, None, name, size)
    features = kwargs["features"]
    anchor = (features["individual"].cat.codes.to_numpy() == 0) & (
        features["keypoint"].cat.codes.to_numpy() == anchor_keypoint(poses)
    )
    features.insert(0, "motif", motif[t])
    features.insert(1, "motif_name", names[t].astype(str))
    features.insert(2, "label", np.where(anchor, names[t], "").astype(str))
    palette = motif_colors(np.append(motif, -1))  # sorted by id
    rgba = np.array([hex_to_rgba(c) for c in palette.values()])
    colors = rgba[np.searchsorted(list(palette), motif[t])]
    kwargs.pop("face_color_cycle")
    metadata = {
        "behavert_role": "motifs",
        "motif": motif,
        "motif_names": names,
        "frames": np.asarray(poses.frame_index),
        "poses": poses,
        "timeline_tracks": {name: names},
    }
    if embedding is not None:
        metadata["embedding"] = per_frame(poses, embedding, "embedding")
    kwargs.update(face_color=colors, text=label_text(), metadata=metadata)
    return data, kwargs, "points"


def show_colorbar(layer: Any, visible: bool = True) -> bool:
    """Show the face colour bar of a colormapped Points layer (napari >= 0.6).

    Returns whether the layer has one.
    """
    colorbar = getattr(layer, "face_colorbar", None)
    if colorbar is None:
        return False
    colorbar.visible = visible
    return True
