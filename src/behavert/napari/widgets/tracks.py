"""Timeline tracks from layer metadata (pure: no Qt, no viewer).

A track is one row of the timeline dock: a curve of numbers (e.g. the frame
attention) or a band of categories (behaviours, motifs) coloured with
`behavert.colors`, the same as the layers and the report's figures.

Rows carry a short label (:func:`row_label`: ``"attention"``, ``"motifs"``,
``"behaviour: interact"``, ``"annotated: interact"``, ``"ground truth"``)
instead of the layer's name, whose recording part is the same on every row
of a recording; the full layer name and the pose file go to the row's
tooltip. Labels that repeat (two recordings analysed) get the recording's
number: ``"attention [2]"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ...colors import (
    NONE_COLOR,
    category_colors,
    hex_to_rgb8,
    is_background,
    motif_color,
)

__all__ = ["Track", "TrackSource", "make_track", "row_label", "tracks_from_layers"]


@dataclass
class Track:
    """One row of the timeline."""

    name: str
    kind: str  # "band" (categories) or "curve" (numbers)
    frames: np.ndarray  # (time,) frame numbers, sorted
    values: np.ndarray  # (time,) codes (band, -1 = none) or floats (curve)
    colors: np.ndarray  # (category, 3) uint8 (band); unused for curves
    categories: tuple[str, ...] = ()
    label: str = ""  # the short row label (default: the name)
    tooltip: str = ""  # the full layer name and the recording


class TrackSource(NamedTuple):
    """What a track is made of, before it is drawn."""

    frames: Any  # (time,) frame numbers
    values: Any  # (time,) numbers or categories
    colors: Mapping[str, str] | None = None  # category -> hex colour
    label: str = ""
    tooltip: str = ""


def make_track(
    name: str,
    values: Any,
    frames: np.ndarray,
    colors: Mapping[str, str] | None,
    label: str = "",
    tooltip: str = "",
) -> Track:
    """A curve (float values) or a band (categories; "" / negative = none)."""
    label, tooltip = label or name, tooltip or name
    if values.dtype.kind == "f":
        values = np.nan_to_num(values)
        return Track(
            name, "curve", frames, values, np.empty((0, 3)), (), label, tooltip
        )
    text = np.array(["" if v is None else str(v) for v in values.tolist()])
    if values.dtype.kind in "iu":
        text[values < 0] = ""
    categories, codes = np.unique(text, return_inverse=True)
    codes = codes.astype(np.int64)
    if "" in categories:
        empty = int(np.flatnonzero(categories == "")[0])
        codes[codes == empty] = -1
    table = dict(colors or category_colors([c for c in categories if c]))
    rgb = np.array(
        [hex_to_rgb8(table.get(c, NONE_COLOR)) for c in categories], dtype=np.uint8
    ).reshape(-1, 3)
    return Track(name, "band", frames, codes, rgb, tuple(categories), label, tooltip)


def _classes_label(prefix: str, classes: Any) -> str:
    """``"behaviour: interact"`` (one or two classes besides the background)."""
    named = [str(c) for c in classes if not is_background(c)]
    return f"{prefix}: {', '.join(named)}" if 0 < len(named) <= 2 else prefix


def row_label(role: str | None, track: str, layer: Any) -> str:
    """The short label of a track of ``layer`` (module docstring).

    Parameters
    ----------
    role
        ``"attention"``, ``"motifs"``, ``"behaviour"``, ``"annotations"``,
        ``"labels"`` (the sample's ground truth) or another layer role.
    track
        The track's name in ``metadata["timeline_tracks"]``.
    layer
        The layer (its ``name`` and ``metadata``).
    """
    meta = layer.metadata
    if role in ("attention", "motifs"):
        return role
    if role == "behaviour":
        return _classes_label("behaviour", meta.get("classes", ()))
    if role == "annotations":
        return _classes_label("annotated", meta["annotations"].names)
    if role == "labels":
        return "ground truth"
    base = layer.name.rsplit(" ", 1)[0]  # "<recording> <what>" -> "<recording>"
    return track[len(base) + 1 :] if track.startswith(base + " ") else track


def _tooltip(layer: Any, poses: Any) -> str:
    path = getattr(poses, "path", None)
    return layer.name + (f"\nrecording: {path}" if path else "")


def _number_repeats(entries: dict[str, TrackSource], keys: dict[str, Any]) -> None:
    """Give repeated labels the number of their recording (``"attention [2]"``)."""
    recordings = list(dict.fromkeys(keys.values()))
    counts: dict[str, int] = {}
    for source in entries.values():
        counts[source.label] = counts.get(source.label, 0) + 1
    for name, source in entries.items():
        if counts[source.label] > 1:
            number = recordings.index(keys[name]) + 1
            entries[name] = source._replace(label=f"{source.label} [{number}]")


def tracks_from_layers(layers: Any) -> dict[str, TrackSource]:
    """Collect timeline tracks from layer metadata (see the module docstring).

    Returns
    -------
    dict
        Track name (unique: layer names) -> `TrackSource`, with its short
        label and tooltip.
    """
    tracks: dict[str, TrackSource] = {}
    keys: dict[str, Any] = {}  # track name -> its recording
    for layer in layers:
        meta = layer.metadata
        poses = meta.get("poses")
        frames = meta.get("frames")
        if frames is None and poses is not None:
            frames = poses.frame_index
        role = meta.get("behavert_role")
        tip = _tooltip(layer, poses)
        for name, values in (meta.get("timeline_tracks") or {}).items():
            colors = None
            if role == "motifs":
                ids, first = np.unique(meta["motif"], return_index=True)
                names = np.asarray(meta["motif_names"])[first]
                colors = {str(n): motif_color(k) for k, n in zip(ids, names)}
            elif role == "behaviour":
                colors = category_colors(meta.get("classes", ()))
            label = row_label(role, name, layer)
            tracks[name] = TrackSource(np.asarray(frames), values, colors, label, tip)
            keys[name] = id(poses) if poses is not None else layer.name
        labels = meta.get("annotations")
        if labels is not None and poses is not None:
            on = np.asarray(labels.values, dtype=float) > 0.5
            names = np.array([*labels.names, ""], dtype=object)
            first = np.where(on.any(1), on.argmax(1), len(labels.names))
            name = f"{layer.name}: annotations"
            tracks[name] = TrackSource(
                np.asarray(poses.frame_index)[: len(first)],
                names[first],
                category_colors(labels.names),
                row_label("annotations", name, layer),
                tip,
            )
            keys[name] = id(poses)
        if "labels" in meta and "behaviours" in meta and poses is not None:
            names = np.asarray(meta["behaviours"], dtype=object)[meta["labels"]]
            name = f"{layer.name}: labels"
            tracks[name] = TrackSource(
                np.asarray(poses.frame_index),
                names,
                category_colors(meta["behaviours"]),
                row_label("labels", name, layer),
                tip,
            )
            keys[name] = id(poses)
    _number_repeats(tracks, keys)
    return tracks
