"""Timeline tracks from layer metadata (pure: no Qt, no viewer).

A track is one row of the timeline dock: a curve of numbers (e.g. the frame
attention) or a band of categories (behaviours, motifs) coloured with
`behavert.colors`, the same as the layers and the report's figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...colors import NONE_COLOR, category_colors, hex_to_rgb8, motif_color

__all__ = ["Track", "make_track", "tracks_from_layers"]


@dataclass
class Track:
    """One row of the timeline."""

    name: str
    kind: str  # "band" (categories) or "curve" (numbers)
    frames: np.ndarray  # (time,) frame numbers, sorted
    values: np.ndarray  # (time,) codes (band, -1 = none) or floats (curve)
    colors: np.ndarray  # (category, 3) uint8 (band); unused for curves
    categories: tuple[str, ...] = ()


def make_track(
    name: str, values: Any, frames: np.ndarray, colors: Mapping[str, str] | None
) -> Track:
    """A curve (float values) or a band (categories; "" / negative = none)."""
    if values.dtype.kind == "f":
        return Track(name, "curve", frames, np.nan_to_num(values), np.empty((0, 3)))
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
    return Track(name, "band", frames, codes, rgb, tuple(categories))


def tracks_from_layers(layers: Any) -> dict[str, Any]:
    """Collect timeline tracks from layer metadata (see the module docstring).

    Returns
    -------
    dict
        Track name -> ``(frames (time,), values (time,), colours or None)``.
    """
    tracks: dict[str, Any] = {}
    for layer in layers:
        meta = layer.metadata
        poses = meta.get("poses")
        frames = meta.get("frames")
        if frames is None and poses is not None:
            frames = poses.frame_index
        role = meta.get("behavert_role")
        for name, values in (meta.get("timeline_tracks") or {}).items():
            colors = None
            if role == "motifs":
                ids, first = np.unique(meta["motif"], return_index=True)
                names = np.asarray(meta["motif_names"])[first]
                colors = {str(n): motif_color(k) for k, n in zip(ids, names)}
            elif role == "behaviour":
                colors = category_colors(meta.get("classes", ()))
            tracks[name] = (np.asarray(frames), values, colors)
        labels = meta.get("annotations")
        if labels is not None and poses is not None:
            on = np.asarray(labels.values, dtype=float) > 0.5
            names = np.array([*labels.names, ""], dtype=object)
            first = np.where(on.any(1), on.argmax(1), len(labels.names))
            tracks[f"{layer.name}: annotations"] = (
                np.asarray(poses.frame_index)[: len(first)],
                names[first],
                category_colors(labels.names),
            )
        if "labels" in meta and "behaviours" in meta and poses is not None:
            names = np.asarray(meta["behaviours"], dtype=object)[meta["labels"]]
            tracks[f"{layer.name}: labels"] = (
                np.asarray(poses.frame_index),
                names,
                category_colors(meta["behaviours"]),
            )
    return tracks
