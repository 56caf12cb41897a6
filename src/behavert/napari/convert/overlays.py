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
renormalises it: the ``attention`` feature, the metadata and the exported
tables hold the raw values) and only its display runs over the recording's
own range ``(lo, hi) =`` :func:`attention_range` (smallest and largest
attention of the frames drawn), so a nearly flat curve (a frame classifier's
or an encoder's rollout) still shows its ups and downs. For a frame with
attention ``a`` and ``r = clip((a - lo) / (hi - lo), 0, 1)``:

* colour = ``matplotlib.colormaps[colormap](r)`` (napari draws it with its
  own colormap of the same name, ``face_contrast_limits=(lo, hi)``, which shows
  a colour bar in raw values: ``layer.face_colorbar.visible = True``, see
  :func:`show_colorbar`);
* size = ``lo_size + (hi_size - lo_size) * r`` pixels for
  ``size_range=(lo_size, hi_size)``.

NaN attention counts as 0; constant attention ``c > 0`` has the range
``(0, c)``; all-zero attention the range ``(0, 1)`` (colour ``colormap(0)``,
the smallest size). :func:`attention_caption` says in one line what the
layer shows for the kind of model it came from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ...colors import hex_to_rgba, motif_colors
from ...io.poses import Poses
from .rows import anchor_keypoint, keypoint_rows, label_text, per_frame

__all__ = [
    "attention_caption",
    "attention_range",
    "attention_scale",
    "attention_style",
    "attention_to_layer",
    "motifs_to_layer",
    "show_colorbar",
]

LayerData = tuple[Any, dict, str]


def attention_range(attention: np.ndarray) -> tuple[float, float]:
    """Display range ``(lo, hi)`` of attention values (the module rule).

    The smallest and largest finite value; ``(0, hi)`` when all are equal and
    ``(0, 1)`` when none is > 0.
    """
    a = np.asarray(attention, dtype=np.float64)
    a = a[np.isfinite(a)]
    if not a.size or a.max() <= 0:
        return (0.0, 1.0)
    lo, hi = float(a.min()), float(a.max())
    return (lo, hi) if hi > lo else (0.0, hi)


def attention_scale(attention: np.ndarray) -> float:
    """Top of the attention display range: the largest value (1.0 if none > 0)."""
    return attention_range(np.nan_to_num(np.asarray(attention, dtype=float)))[1]


def attention_style(
    attention: np.ndarray,
    *,
    colormap: str = "inferno",
    size_range: tuple[float, float] = (3.0, 15.0),
    limits: tuple[float, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Colour and size of each frame's keypoints from its attention.

    Parameters
    ----------
    attention
        ``(time,)`` per-frame attention, >= 0 (NaN counts as 0).
    colormap
        A matplotlib colormap name (napari has the same names).
    size_range
        ``(lo, hi)`` point size in pixels at the bottom and the top of the
        display range.
    limits
        The display range (default :func:`attention_range` of ``attention``).

    Returns
    -------
    rgba
        ``(time, 4)`` float colours ``colormap(r)``, ``r`` the position of the
        attention in the display range (0..1).
    size
        ``(time,)`` sizes ``lo + (hi - lo) * r``.
    """
    import matplotlib

    a = np.nan_to_num(np.asarray(attention, dtype=np.float64), nan=0.0)
    if (a < 0).any():
        raise ValueError("attention must be >= 0 (got negative values)")
    bottom, top = attention_range(a) if limits is None else limits
    rel = np.clip((a - bottom) / (top - bottom), 0.0, 1.0)
    lo, hi = size_range
    return matplotlib.colormaps[colormap](rel), lo + (hi - lo) * rel


#: What the attention layer shows, by the kind of model it came from.
_MEANING = {
    "sequence": "how much each frame drove the sequence classifier's decision "
    "on the whole recording",
    "frame": "frames the frame classifier's summary token attends to; context, "
    "not why a frame got its label",
    "encoder": "frames the pretrained encoder's summary token attends to; it "
    "explains no decision",
}
_METHODS = {"grad": "gradient-weighted", "rollout": "rollout", "cls": "[CLS] row"}


def attention_caption(
    kind: str, method: str, attention: np.ndarray, *, details: bool = False
) -> str:
    """One line saying what an attention layer shows (the Analyze dock's).

    Parameters
    ----------
    kind
        The model the attention came from: ``"sequence"`` (a sequence
        classifier), ``"frame"`` (a frame classifier) or ``"encoder"`` (a
        pretrained encoder).
    method
        The importance method (``"grad"``, ``"rollout"`` or ``"cls"``).
    attention
        ``(time,)`` the recording's attention: a nearly flat curve (sd under a
        quarter of the mean) is said to be so.
    details
        Add the display range and where the raw values are (a tooltip).
    """
    if kind not in _MEANING:
        raise ValueError(f"kind must be one of {sorted(_MEANING)}; got {kind!r}")
    a = np.asarray(attention, dtype=np.float64)
    a = a[np.isfinite(a)]
    text = f"Attention ({_METHODS.get(method, method)}): {_MEANING[kind]}."
    mean = float(a.mean()) if a.size else 0.0
    if mean > 0 and float(a.std()) < 0.25 * mean:
        text += (
            f" Nearly flat (sd {a.std() / mean:.1%} of the mean): colours span "
            "this recording's own range."
        )
    if details:
        lo, hi = attention_range(a)
        text += (
            f" Colour range {lo:.3g}-{hi:.3g}; the layer's features and the "
            "exported tables keep the raw values (they sum to 1)."
        )
    return text


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
        ``data (point, 3)`` rows ``(frame, y, x)``; features ``attention``
        (raw values), ``individual``, ``keypoint``, ``confidence``, ``frame``;
        ``face_contrast_limits`` and ``metadata["display_range"]`` the
        :func:`attention_range` of the frames drawn;
        ``metadata["timeline_tracks"] = {name: attention}``.
    """
    a = np.nan_to_num(per_frame(poses, attention, "attention").astype(float))
    data, kwargs, t = keypoint_rows(poses, None, name, None)
    limits = attention_range(a[np.unique(t)] if len(t) else a)
    _, sizes = attention_style(
        a, colormap=colormap, size_range=size_range, limits=limits
    )
    kwargs["features"].insert(0, "attention", a[t])
    kwargs.pop("face_color_cycle")
    kwargs.update(
        face_color="attention",
        face_colormap=colormap,
        face_contrast_limits=limits,
        size=sizes[t],
        metadata={
            "behavert_role": "attention",
            "attention": a,
            "display_range": limits,
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
    kwargs.update(face_color=colors, text=label_text(below=True), metadata=metadata)
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
