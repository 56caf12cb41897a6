"""MABe22 mouse-triplet pose files (``user_train.npy``, ``submission_keypoints.npy``).

The published files (AIcrowd MABe 2022 mouse triplets, CaltechDATA
rdsa8-rde65) are pickled dicts (``np.load(path, allow_pickle=True).item()``)::

    {"vocabulary": [task name, ...],            # training file only
     "sequences": {sequence_id: {"keypoints": (frame, mouse=3, keypoint=12, coord=2),
                                 "annotations": (task, frame)}}}  # training only

``coord`` is (x, y) in pixels of an 850 x 850 frame, 30 frames/s, NaN where a
point is missing; the 12 keypoints are listed in :data:`MABE22_KEYPOINTS` (the
order used by the public loaders, e.g. LISBET's ``datasets/mabe22.py``). Files
are unpickled only when the caller passes ``trust_pickle=True``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import FileProblemError, NotAPoseTableError
from .calms21 import read_benchmark_dict
from .labels import FrameLabels
from .poses import Poses

__all__ = ["MABE22_FPS", "MABE22_INDIVIDUALS", "MABE22_KEYPOINTS", "load_mabe22"]

MABE22_KEYPOINTS = (
    "nose",
    "left_ear",
    "right_ear",
    "neck",
    "left_forepaw",
    "right_forepaw",
    "center_back",
    "left_hindpaw",
    "right_hindpaw",
    "tail_base",
    "tail_middle",
    "tail_tip",
)
MABE22_INDIVIDUALS = ("mouse_0", "mouse_1", "mouse_2")
MABE22_FPS = 30.0
_EDGES = (
    (0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (3, 5), (3, 6),
    (6, 7), (6, 8), (6, 9), (9, 10), (10, 11),
)  # fmt: skip


def _labels(
    ann, vocabulary: list[str] | None, seq_id: str, n_frames: int, path: Path
) -> FrameLabels | None:
    if ann is None:
        return None
    values = np.asarray(ann, dtype=np.float64)
    if values.ndim == 1:
        values = values[None]
    if values.ndim != 2 or values.shape[1] != n_frames:
        raise FileProblemError(
            path,
            f"sequence {seq_id!r}: annotations shape {np.shape(ann)}, expected "
            f"(task, {n_frames} frames)",
        )
    names = list(vocabulary) if vocabulary is not None else []
    if len(names) != values.shape[0]:
        raise FileProblemError(
            path,
            f"sequence {seq_id!r}: {values.shape[0]} annotation tasks but the "
            f"vocabulary has {len(names)} names",
        )
    known = values[~np.isnan(values)]
    binary = np.isin(known, (0.0, 1.0)).all() and not np.isnan(values).any()
    table = values.T.astype(bool) if binary else values.T
    return FrameLabels(
        names=tuple(str(n) for n in names), values=table, multi_label=True, path=path
    )


def load_mabe22(
    path: str | Path, *, trust_pickle: bool = False
) -> list[tuple[Poses, FrameLabels | None]]:
    """Read every sequence of a MABe22 mouse-triplet file.

    Parameters
    ----------
    path
        ``user_train.npy``, ``submission_keypoints.npy`` or a file in the same
        layout (``.npy`` pickled dict; a ``.json`` of the same dict also works).
    trust_pickle
        Required for ``.npy`` files: unpickling an untrusted file can run code.

    Returns
    -------
    list of (Poses, FrameLabels or None)
        One per sequence, in file order: ``position (time, individual=3,
        keypoint=12, space=2)`` with ``space`` = (x, y), confidence 1 where a
        point is present and NaN where missing; labels ``(time, task)``
        multi-label (bool when every value is 0/1, else the float values as
        stored, NaN kept) named by ``"vocabulary"``, or None when the sequence
        has no annotations (the submission file). ``poses.metadata
        ["sequence_id"]`` names the sequence.

    Raises
    ------
    FileProblemError
        Or a subclass, naming the file and the problem.
    """
    path = Path(path)
    data = read_benchmark_dict(path, trust_pickle=trust_pickle)
    seqs = data.get("sequences")
    if not isinstance(seqs, dict) or not seqs:
        raise NotAPoseTableError(
            path, "has no 'sequences' dict (not a MABe22 mouse-triplet file)"
        )
    vocabulary = data.get("vocabulary")
    if vocabulary is not None:
        vocabulary = [str(v) for v in vocabulary]
    out = []
    for seq_id, rec in seqs.items():
        if not isinstance(rec, dict) or "keypoints" not in rec:
            raise NotAPoseTableError(path, f"sequence {seq_id!r} has no 'keypoints'")
        kp = np.asarray(rec["keypoints"], dtype=np.float64)
        if kp.ndim != 4 or kp.shape[2:] != (12, 2) or len(kp) == 0:
            raise NotAPoseTableError(
                path,
                f"sequence {seq_id!r}: keypoints shape {kp.shape}, expected "
                "(frame, mouse, 12 keypoints, 2 coords (x, y))",
            )
        n_mice = kp.shape[1]
        individuals = (
            MABE22_INDIVIDUALS
            if n_mice == 3
            else tuple(f"mouse_{i}" for i in range(n_mice))
        )
        confidence = np.where(np.isnan(kp).any(axis=-1), np.nan, 1.0)
        poses = Poses(
            position=kp,
            confidence=confidence,
            keypoints=MABE22_KEYPOINTS,
            individuals=individuals,
            edges=_EDGES,
            fps=MABE22_FPS,
            source="mabe22",
            path=path,
            metadata={"sequence_id": str(seq_id)},
        )
        labels = _labels(rec.get("annotations"), vocabulary, str(seq_id), len(kp), path)
        out.append((poses, labels))
    return out
