"""Names of recordings in output files: unique, so one output never replaces another.

Two pose files with the same name in different folders (``day1/mouse.h5``,
``day2/mouse.h5``) would both write ``mouse_behaviour.csv``, the second over
the first. `recording_names` keeps each file's stem and, only where stems
collide, prefixes the parent folders that tell them apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

__all__ = ["recording_names"]


def _stem(poses, i: int) -> str:
    path = getattr(poses, "path", None)
    return Path(path).stem if path is not None else f"recording{i}"


def recording_names(poses_list: Sequence) -> list[str]:
    """One unique name per recording for tables and output file names.

    A file's stem where it is unique; where stems collide, the parent folders
    (as many as needed, joined with ``__``) are prefixed: ``day1__mouse`` and
    ``day2__mouse``. The same file given twice gets ``_2``, ``_3``... Poses
    made in memory are ``recording<i>``.
    """
    stems = [_stem(p, i) for i, p in enumerate(poses_list)]
    names = list(stems)
    counts = Counter(stems)
    for i, poses in enumerate(poses_list):
        if counts[stems[i]] == 1 or getattr(poses, "path", None) is None:
            continue
        rivals = [
            Path(p.path).resolve()
            for j, p in enumerate(poses_list)
            if stems[j] == stems[i] and j != i and getattr(p, "path", None)
        ]
        mine = Path(poses.path).resolve()
        parents = mine.parent.parts[::-1]
        for depth in range(1, len(parents) + 1):
            tail = parents[:depth]
            if all(r.parent.parts[::-1][:depth] != tail for r in rivals):
                names[i] = "__".join([*tail[::-1], stems[i]])
                break
    seen: Counter = Counter()
    for i, name in enumerate(names):
        seen[name] += 1
        if seen[name] > 1:
            names[i] = f"{name}_{seen[name]}"
    return names
