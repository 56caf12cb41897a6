"""Anipose 3D pose tables (flat CSV).

Anipose's ``triangulate`` writes one row per frame and, per body part, columns
``<bp>_x, <bp>_y, <bp>_z, <bp>_error, <bp>_ncams, <bp>_score``, followed by
``M_00 .. M_22``, ``center_0 .. center_2`` and ``fnum``. Body parts are the names
that have all of ``_x``, ``_y`` and ``_z``; ``_score`` becomes the confidence
(1.0 when absent), ``_error`` is kept in ``metadata["error"]``
``(time, keypoint)``, and ``fnum`` gives ``frame_index``. Anipose tracks one
animal, read as individual ``"individual_0"``.

(DeepLabCut 3D tables, with a ``scorer / bodyparts / coords`` header and coords
``x, y, z``, are read by :mod:`behavert.io.dlc`.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import NotAPoseTableError
from .load import register_loader
from .poses import Poses
from .validate import read_csv_header

__all__ = ["anipose_bodyparts", "load_anipose", "sniff_anipose"]


def anipose_bodyparts(columns: list[str]) -> list[str]:
    """Return the body parts that have ``_x``, ``_y`` and ``_z`` columns, in order."""
    names = set(columns)
    return [
        c[:-2]
        for c in columns
        if c.endswith("_x") and f"{c[:-2]}_y" in names and f"{c[:-2]}_z" in names
    ]


def sniff_anipose(path: Path) -> bool:
    """Return True for a CSV whose header has ``<bp>_x, <bp>_y, <bp>_z`` columns."""
    return bool(anipose_bodyparts(read_csv_header(Path(path))))


@register_loader("anipose", suffixes=(".csv",), sniff=sniff_anipose)
def load_anipose(path: str | Path) -> Poses:
    """Read an Anipose 3D CSV.

    Returns
    -------
    Poses
        ``position (time, 1, keypoint, 3)``.
    """
    import pandas as pd

    path = Path(path)
    columns = read_csv_header(path)
    bodyparts = anipose_bodyparts(columns)
    if not bodyparts:
        raise NotAPoseTableError(path, "no '<bodypart>_x/_y/_z' columns")
    wanted = [f"{bp}_{c}" for bp in bodyparts for c in "xyz"]
    extra = [c for c in columns if c == "fnum"]
    for suffix in ("score", "error"):
        extra += [f"{bp}_{suffix}" for bp in bodyparts if f"{bp}_{suffix}" in columns]
    df = pd.read_csv(path, usecols=wanted + extra)
    n_time, n_kp = len(df), len(bodyparts)
    # (time, keypoint * xyz) -> (time, 1, keypoint, 3)
    position = df[wanted].to_numpy(np.float64).reshape(n_time, 1, n_kp, 3)
    scores = [f"{bp}_score" for bp in bodyparts]
    has_score = np.array([c in df for c in scores])
    # (time, keypoint); 1.0 where a body part has no score column
    confidence = df.reindex(columns=scores).to_numpy(np.float64, copy=True)
    confidence[:, ~has_score] = 1.0
    confidence = confidence[:, None, :]  # (time, 1, keypoint)
    metadata: dict = {}
    errors = [f"{bp}_error" for bp in bodyparts]
    if any(c in df for c in errors):
        metadata["error"] = df.reindex(columns=errors).to_numpy(np.float64)
    confidence[np.isnan(position).any(axis=-1)] = np.nan
    frame_index = df["fnum"].to_numpy(np.int64) if "fnum" in df else np.arange(n_time)
    return Poses(
        position=position,
        confidence=confidence,
        keypoints=tuple(bodyparts),
        individuals=("individual_0",),
        frame_index=frame_index,
        source="anipose",
        path=path,
        metadata=metadata,
    )
