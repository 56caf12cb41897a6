"""CalMS21 (Caltech Mouse Social Interactions 2021) pose and label files.

The published files (data.caltech.edu record s0vdx-0k302, the MABe 2021 challenge)
are ``calms21_task{1,2,3}_{train,test}.json`` holding::

    {group: {sequence_id: {"keypoints": (frame, mouse, coord, keypoint),
                           "scores": (frame, mouse, keypoint),
                           "annotations": (frame,) int,
                           "metadata": {"vocab": {name: index}, ...}}}}

with ``group`` such as ``"annotator-id_0"``, ``sequence_id`` such as
``"task1/train/mouse001_task1_annotator1"``, 2 mice (resident first, then
intruder), ``coord`` = (x, y) in pixels and the 7 MARS keypoints (nose, left ear,
right ear, neck, left hip, right hip, tail base). The ``.npy`` versions made by the
dataset's ``calms21_convert_to_npy.py`` hold the same dict as a pickled object
(``np.load(path, allow_pickle=True).item()``); they are read only when the caller
passes ``trust_pickle=True``, because unpickling can run arbitrary code.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from ..errors import CorruptFileError, FileProblemError, NotAPoseTableError
from .labels import FrameLabels
from .load import register_loader
from .poses import Poses

log = logging.getLogger(__name__)

__all__ = [
    "CALMS21_FPS",
    "CALMS21_INDIVIDUALS",
    "CALMS21_KEYPOINTS",
    "CALMS21_TASK1_VOCAB",
    "load_calms21",
    "load_calms21_poses",
    "read_benchmark_dict",
    "sniff_calms21",
]

#: The 7 MARS keypoints, in the order of the ``keypoint`` axis of the files.
CALMS21_KEYPOINTS = (
    "nose",
    "left_ear",
    "right_ear",
    "neck",
    "left_hip",
    "right_hip",
    "tail_base",
)
#: Mouse 0 is the resident, mouse 1 the intruder.
CALMS21_INDIVIDUALS = ("resident", "intruder")
#: Task-1 vocabulary (``metadata["vocab"]`` of every task-1 sequence).
CALMS21_TASK1_VOCAB = {"attack": 0, "investigation": 1, "mount": 2, "other": 3}
#: Frame rate of the CalMS21 videos.
CALMS21_FPS = 30.0
_EDGES = ((0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (3, 5), (4, 6), (5, 6))


def read_benchmark_dict(path: str | Path, *, trust_pickle: bool = False) -> dict:
    """Read a benchmark file (``.json``, or pickled ``.npy``) into its dict.

    Parameters
    ----------
    path
        The file.
    trust_pickle
        Needed for ``.npy`` files: they hold a pickled Python dict and unpickling
        an untrusted file can run arbitrary code.

    Raises
    ------
    FileProblemError
        The file is missing, an ``.npy`` file was given without
        ``trust_pickle=True``, or it does not hold a dict.
    CorruptFileError
        The file cannot be parsed.
    """
    path = Path(path)
    if not path.is_file():
        raise FileProblemError(path, "no such file")
    if path.suffix.lower() == ".json":
        try:
            with path.open(encoding="utf-8") as fh:
                data = json.load(fh)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CorruptFileError(path, f"is not valid JSON ({exc})") from exc
    elif path.suffix.lower() == ".npy":
        if not trust_pickle:
            raise FileProblemError(
                path,
                "this .npy file stores a pickled Python object, and loading a pickle "
                "can run arbitrary code; pass trust_pickle=True only if you trust "
                "where the file came from (or use the .json version)",
            )
        try:
            data = np.load(path, allow_pickle=True)
            data = data.item() if data.dtype == object and data.ndim == 0 else data
        except Exception as exc:  # numpy/pickle raise many types
            raise CorruptFileError(
                path, f"cannot be read as .npy ({type(exc).__name__}: {exc})"
            ) from exc
    else:
        raise FileProblemError(
            path, f"unknown suffix {path.suffix!r}; expected .json or .npy"
        )
    if not isinstance(data, dict):
        raise NotAPoseTableError(
            path, f"holds a {type(data).__name__}, not the benchmark's dict"
        )
    return data


def _sequences(data: dict, path: Path) -> list[tuple[str, str, dict]]:
    """``(group, sequence_id, record)`` for every sequence of a CalMS21 dict."""
    out = []
    for group, seqs in data.items():
        if not isinstance(seqs, dict):
            raise NotAPoseTableError(
                path, f"group {group!r} is not a dict of sequences (not CalMS21)"
            )
        for seq_id, rec in seqs.items():
            if not isinstance(rec, dict) or "keypoints" not in rec:
                raise NotAPoseTableError(
                    path, f"sequence {seq_id!r} has no 'keypoints' (not CalMS21)"
                )
            out.append((str(group), str(seq_id), rec))
    if not out:
        raise NotAPoseTableError(path, "holds no CalMS21 sequence")
    return out


def _poses(rec: dict, group: str, seq_id: str, path: Path) -> Poses:
    kp = np.asarray(rec["keypoints"], dtype=np.float64)
    if kp.ndim != 4 or kp.shape[1:] != (2, 2, 7):
        raise NotAPoseTableError(
            path,
            f"sequence {seq_id!r}: keypoints shape {kp.shape}, expected "
            "(frame, 2 mice, 2 coords (x, y), 7 keypoints)",
        )
    if len(kp) == 0:
        raise NotAPoseTableError(path, f"sequence {seq_id!r} has no frames")
    position = kp.transpose(0, 1, 3, 2)  # (time, individual, keypoint, space)
    if "scores" in rec:
        confidence = np.asarray(rec["scores"], dtype=np.float64)
        if confidence.shape != position.shape[:3]:
            raise NotAPoseTableError(
                path,
                f"sequence {seq_id!r}: scores shape {confidence.shape}, expected "
                f"{position.shape[:3]}",
            )
    else:
        confidence = np.ones(position.shape[:3])
    confidence = np.where(np.isnan(position).any(axis=-1), np.nan, confidence)
    meta = dict(rec.get("metadata") or {})
    return Poses(
        position=position,
        confidence=confidence,
        keypoints=CALMS21_KEYPOINTS,
        individuals=CALMS21_INDIVIDUALS,
        edges=_EDGES,
        fps=CALMS21_FPS,
        source="calms21",
        path=path,
        metadata={"sequence_id": seq_id, "group": group, "calms21": meta},
    )


def _labels(rec: dict, seq_id: str, n_frames: int, path: Path) -> FrameLabels:
    vocab = (rec.get("metadata") or {}).get("vocab") or CALMS21_TASK1_VOCAB
    names = [None] * (max(int(v) for v in vocab.values()) + 1)
    for name, idx in vocab.items():
        names[int(idx)] = str(name)
    if any(n is None for n in names):
        raise FileProblemError(
            path, f"sequence {seq_id!r}: vocabulary {vocab} has gaps"
        )
    ann = np.asarray(rec["annotations"]).astype(np.int64)
    if ann.shape != (n_frames,):
        raise FileProblemError(
            path,
            f"sequence {seq_id!r}: {ann.shape} annotations for {n_frames} frames",
        )
    if ann.min() < 0 or ann.max() >= len(names):
        raise FileProblemError(
            path, f"sequence {seq_id!r}: annotation outside the vocabulary {vocab}"
        )
    return FrameLabels(names=tuple(names), values=np.eye(len(names), dtype=bool)[ann])


def load_calms21(
    path: str | Path,
    split: str | None = None,
    *,
    trust_pickle: bool = False,
) -> list[tuple[Poses, FrameLabels | None]]:
    """Read every sequence of a CalMS21 ``.json`` (or trusted ``.npy``) file.

    Parameters
    ----------
    path
        E.g. ``calms21_task1_train.json``.
    split
        Keep only sequences whose id holds ``/<split>/`` (``"train"``, ``"test"``);
        None keeps all.
    trust_pickle
        Required for ``.npy`` files (pickled dicts; unpickling can run code).

    Returns
    -------
    list of (Poses, FrameLabels or None)
        One per sequence, in file order: ``position (time, individual=2,
        keypoint=7, space=2)`` with individuals ``resident, intruder`` and
        ``space`` = (x, y); labels one-hot ``(time, class)`` with the sequence's
        ``metadata["vocab"]`` names in index order (task 1: attack,
        investigation, mount, other), or None for a sequence without
        annotations. ``poses.metadata["sequence_id"]`` names the sequence.

    Raises
    ------
    FileProblemError
        Or a subclass, naming the file and the problem.
    """
    path = Path(path)
    data = read_benchmark_dict(path, trust_pickle=trust_pickle)
    out = []
    for group, seq_id, rec in _sequences(data, path):
        if split is not None and f"/{split}/" not in f"/{seq_id}/":
            continue
        poses = _poses(rec, group, seq_id, path)
        labels = None
        if rec.get("annotations") is not None:
            labels = _labels(rec, seq_id, poses.n_frames, path)
            labels = FrameLabels(labels.names, labels.values, path=path)
        out.append((poses, labels))
    if not out:
        raise NotAPoseTableError(path, f"holds no sequence of split {split!r}")
    return out


def sniff_calms21(path: Path) -> bool:
    """True when the start of a ``.json`` file looks like CalMS21."""
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return head.lstrip().startswith("{") and '"keypoints"' in head


@register_loader("calms21", suffixes=(".json", ".npy"), sniff=sniff_calms21)
def load_calms21_poses(path: Path) -> Poses:
    """Registry reader: the poses of the first sequence of a CalMS21 ``.json``.

    ``load_poses(path, source="calms21")``; a file of several sequences gives its
    first one (``metadata["sequences"]`` lists them all); use
    :func:`load_calms21` for every sequence and its labels. ``.npy`` files are
    refused here (pickles): call ``load_calms21(path, trust_pickle=True)``.
    """
    path = Path(path)
    items = load_calms21(path)
    poses = items[0][0]
    ids = [p.metadata["sequence_id"] for p, _ in items]
    if len(ids) > 1:
        log.info("%s: %d sequences; returning the first (%s)", path, len(ids), ids[0])
    return poses.replace(metadata={**poses.metadata, "sequences": ids})
