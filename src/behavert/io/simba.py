"""SimBA flat pose tables (CSV).

SimBA stores one row per frame with columns ``<Bodypart>_<animal>_x``,
``<Bodypart>_<animal>_y``, ``<Bodypart>_<animal>_p`` (e.g. ``Ear_left_1_x``),
often followed by hundreds of engineered features and behaviour columns, which
are not read here (behaviour labels are read by :mod:`behavert.io.labels`).

Animals are the text after the last ``_`` of the ``<Bodypart>_<animal>`` stem when
every stem has one and either there are at least two animals with the same body
parts, or the single animal's name is a number; otherwise the table is one
animal (``"individual_0"``) whose keypoints are the full stems.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import NotAPoseTableError
from .load import register_loader
from .poses import Poses
from .validate import read_csv_header

__all__ = ["load_simba", "simba_pose_columns", "sniff_simba", "split_animals"]


def simba_pose_columns(columns: list[str]) -> list[str]:
    """Return the stems ``<Bodypart>_<animal>`` that have ``_x, _y, _p`` columns."""
    names = set(columns)
    return [
        c[:-2]
        for c in columns
        if c.endswith("_x") and f"{c[:-2]}_y" in names and f"{c[:-2]}_p" in names
    ]


def split_animals(stems: list[str]) -> tuple[list[str], list[str]]:
    """Split stems ``Nose_1`` into animals and body parts (see the module notes).

    Returns
    -------
    (animals, bodyparts)
        One entry per stem.
    """
    parts = [s.rsplit("_", 1) for s in stems]
    if all(len(p) == 2 and p[0] and p[1] for p in parts):
        groups: dict[str, list[str]] = {}
        for bodypart, animal in parts:
            groups.setdefault(animal, []).append(bodypart)
        sets = [sorted(v) for v in groups.values()]
        same = all(s == sets[0] for s in sets) and len(set(sets[0])) == len(sets[0])
        if same and (len(groups) >= 2 or next(iter(groups)).isdigit()):
            return [p[1] for p in parts], [p[0] for p in parts]
    return ["individual_0"] * len(stems), list(stems)


def sniff_simba(path: Path) -> bool:
    """Return True for a CSV whose header has ``<stem>_x, <stem>_y, <stem>_p``."""
    return bool(simba_pose_columns(read_csv_header(Path(path))))


@register_loader("simba", suffixes=(".csv",), sniff=sniff_simba)
def load_simba(path: str | Path) -> Poses:
    """Read the pose columns of a SimBA CSV.

    Returns
    -------
    Poses
        ``position (time, animal, keypoint, 2)``; confidence from the ``_p``
        columns; ``x == y == p == 0`` is read as missing.
    """
    import pandas as pd

    path = Path(path)
    columns = read_csv_header(path)
    stems = simba_pose_columns(columns)
    if not stems:
        raise NotAPoseTableError(path, "no SimBA '<bodypart>_<animal>_x/_y/_p' columns")
    animals, bodyparts = split_animals(stems)
    ind_names = list(dict.fromkeys(animals))
    kp_names = list(dict.fromkeys(bodyparts))
    wanted = [f"{s}_{c}" for s in stems for c in "xyp"]
    position_of = {name: i for i, name in reversed(list(enumerate(columns)))}
    wanted_pos = [position_of[c] for c in wanted]
    has_index = 0 not in wanted_pos
    usecols = sorted(set(wanted_pos) | ({0} if has_index else set()))
    df = pd.read_csv(path, usecols=usecols, header=0)
    order = [usecols.index(p) for p in wanted_pos]
    values = df.iloc[:, order].to_numpy(np.float64)  # (time, stem * xyp)
    values = values.reshape(len(df), len(stems), 3)  # (time, stem, xyp)
    index = df.iloc[:, 0] if has_index else None
    ii = np.array([ind_names.index(a) for a in animals])
    kk = np.array([kp_names.index(b) for b in bodyparts])
    shape = (len(df), len(ind_names), len(kp_names))
    position = np.full((*shape, 2), np.nan)
    confidence = np.full(shape, np.nan)
    position[:, ii, kk] = values[..., :2]
    confidence[:, ii, kk] = values[..., 2]
    zero = (confidence == 0) & (position == 0).all(axis=-1)
    position[zero] = np.nan
    confidence[np.isnan(position).any(axis=-1)] = np.nan
    if index is not None and np.issubdtype(index.dtype, np.integer):
        frame_index = index.to_numpy(np.int64)
    else:
        frame_index = np.arange(len(df))
    return Poses(
        position=position,
        confidence=confidence,
        keypoints=tuple(kp_names),
        individuals=tuple(ind_names),
        frame_index=frame_index,
        source="simba",
        path=path,
        metadata={"pose_columns": wanted},
    )
