"""Checks on pose files and parsed poses, kept apart from the parsers.

Like ``movement/validators/files.py``: the readers in ``dlc.py``, ``sleap.py``,
``anipose.py`` and ``simba.py`` parse, and this module decides whether a file can
be read at all and whether what was read is usable. Every failure is one of the
:mod:`behavert.errors` classes and names the file.
"""

from __future__ import annotations

import contextlib
import csv
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import (
    AllNaNKeypointWarning,
    CorruptFileError,
    DataRepairWarning,
    FileProblemError,
    NoFramesError,
    UnknownFormatError,
)

if TYPE_CHECKING:  # pragma: no cover
    import h5py

    from .poses import Poses

__all__ = [
    "HDF5_SIGNATURE",
    "check_file",
    "check_poses",
    "hdf5_keys",
    "is_hdf5",
    "mask_far_points",
    "open_hdf5",
    "read_csv_header",
    "read_text_head",
    "repair_frames",
]

#: The 8 bytes every HDF5 file starts with (at offset 0, 512, 1024, ...).
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: Gaps are filled only while the filled recording is at most this many times
#: longer than the rows in the file; beyond it the frame numbers are refused.
MAX_GAP_FILL = 100
#: A coordinate farther than this many 1st-99th percentile spans from the
#: median of its axis is a corrupt value, not a position.
FAR_SPANS = 50.0


def check_file(path: str | Path) -> Path:
    """Check that ``path`` is an existing, readable, non-empty file.

    Raises
    ------
    FileProblemError
        The path does not exist, is a folder or cannot be read.
    CorruptFileError
        The file is empty (0 bytes).
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise FileProblemError(path, "file does not exist")
    if path.is_dir():
        raise FileProblemError(path, "is a folder, not a pose file")
    if not os.access(path, os.R_OK):
        raise FileProblemError(path, "file cannot be read (permission denied)")
    if path.stat().st_size == 0:
        raise CorruptFileError(path, "file is empty (0 bytes)")
    return path


def is_hdf5(path: str | Path) -> bool:
    """Return True when the file carries the HDF5 signature (no HDF5 library used)."""
    try:
        with open(path, "rb") as fh:
            for offset in (0, 512, 1024, 2048):
                fh.seek(offset)
                if fh.read(8) == HDF5_SIGNATURE:
                    return True
    except OSError:
        return False
    return False


@contextlib.contextmanager
def open_hdf5(path: str | Path) -> Iterator[h5py.File]:
    """Open an HDF5 file read-only, turning low-level failures into our errors.

    Raises
    ------
    UnknownFormatError
        The file is not HDF5 at all.
    CorruptFileError
        The file has the HDF5 signature but cannot be opened (e.g. truncated).
    """
    import h5py

    path = Path(path)
    if not is_hdf5(path):
        raise UnknownFormatError(path, "not an HDF5 file (no HDF5 signature)")
    try:
        handle = h5py.File(path, "r")
    except OSError as exc:
        raise CorruptFileError(
            path, f"HDF5 file cannot be opened, maybe truncated ({exc})"
        ) from exc
    try:
        yield handle
    finally:
        handle.close()


def hdf5_keys(path: str | Path) -> dict[str, set[str]]:
    """Return the top-level names of an HDF5 file and each one's attribute names.

    Raises
    ------
    UnknownFormatError, CorruptFileError
        As :func:`open_hdf5`.
    """
    with open_hdf5(path) as handle:
        try:
            return {name: set(handle[name].attrs.keys()) for name in handle}
        except (OSError, KeyError, RuntimeError) as exc:
            raise CorruptFileError(
                path, f"HDF5 file is damaged, maybe truncated ({exc})"
            ) from exc


def read_text_head(path: str | Path, n_lines: int = 5) -> list[str]:
    """Return the first ``n_lines`` lines of a text file (without line ends).

    Raises
    ------
    UnknownFormatError
        The file is not UTF-8/Latin-1 text (e.g. binary data).
    """
    path = Path(path)
    with open(path, "rb") as fh:
        raw = fh.read(1 << 16)
    if b"\x00" in raw:
        raise UnknownFormatError(path, "binary data where a text table was expected")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    lines = text.splitlines()
    return lines[:n_lines]


def read_csv_header(path: str | Path) -> list[str]:
    """The cells of a CSV file's first line, stripped (empty for an empty file)."""
    lines = read_text_head(path, 1)
    if not lines:
        return []
    return [c.strip() for c in next(csv.reader([lines[0]]))]


def check_poses(poses: Poses, path: str | Path | None = None) -> Poses:
    """Check parsed poses: frames present, warn about keypoints that are never seen.

    Parameters
    ----------
    poses
        Poses as returned by a reader.
    path
        The file they came from, for messages (defaults to ``poses.path``).

    Raises
    ------
    NoFramesError
        The poses have zero frames or zero individuals.

    Warns
    -----
    AllNaNKeypointWarning
        A keypoint is NaN in every frame for every individual.
    """
    path = path if path is not None else poses.path
    if poses.n_frames == 0:
        raise NoFramesError(path, "file holds no frames (0 rows of poses)")
    if poses.n_individuals == 0 or poses.n_keypoints == 0:
        raise NoFramesError(path, "file holds no instances / keypoints")
    # cheap first: keypoints seen in frame 0 are fine; scan the others fully
    x = poses.position[..., 0]  # (time, individual, keypoint)
    unseen_first = np.isnan(x[0]).all(axis=0)  # (keypoint,)
    missing = [
        name
        for k, name in enumerate(poses.keypoints)
        if unseen_first[k] and np.isnan(x[:, :, k]).all()
    ]
    if missing:
        where = f"{Path(path).name}: " if path is not None else ""
        warnings.warn(
            f"{where}keypoint(s) {', '.join(repr(m) for m in missing)} are missing "
            f"(NaN) in every frame",
            AllNaNKeypointWarning,
            stacklevel=3,
        )
    return poses


def _where(path) -> str:
    return f"{path}: " if path is not None else ""


def repair_frames(poses: Poses, path: str | Path | None = None) -> Poses:
    """Make ``poses.frame_index`` strictly increasing by 1, or refuse it.

    The one place where every reader's output becomes frame-exact (called by
    ``load_poses``): row ``t`` of the poses is frame ``frame_index[t]``.

    * negative frame numbers: refused;
    * duplicated frame numbers: the first row of each (in file order) is kept;
    * rows out of order: sorted by frame number (position, confidence and
      frame numbers together);
    * gaps (0, 7, 14, ... or a missing run of frames): filled with missing
      frames (NaN position and confidence), except in DeepLabCut labelled-data
      tables (``metadata["kind"] == "labelled-data"``), whose rows are sampled
      frames. Filling beyond `MAX_GAP_FILL` times the rows is refused.

    Every repair is reported by one `DataRepairWarning` naming the file and the
    count; poses already in order are returned unchanged (no copy).

    Raises
    ------
    FileProblemError
        Negative frame numbers, or gaps too large to fill; names the file.
    """
    path = path if path is not None else poses.path
    frames = np.asarray(poses.frame_index)
    n = len(frames)
    steps = np.diff(frames)
    sampled = poses.metadata.get("kind") == "labelled-data"
    in_order = (steps > 0).all() if sampled else (steps == 1).all()
    if n == 0 or (frames[0] >= 0 and in_order):
        return poses
    negative = int((frames < 0).sum())
    if negative:
        raise FileProblemError(
            path,
            f"{negative} row(s) have a negative frame number (lowest "
            f"{int(frames.min())}); frame numbers must be 0 or more",
        )
    done = []
    first = np.sort(np.unique(frames, return_index=True)[1])  # file order
    if len(first) < n:
        done.append(
            f"{n - len(first)} duplicated frame number(s): kept the first of each"
        )
    order = np.argsort(frames[first], kind="stable")
    moved = int((order != np.arange(len(order))).sum())
    if moved:
        done.append(f"{moved} row(s) out of order: sorted by frame number")
    rows = first[order]
    if len(rows) < n or moved:
        metadata = dict(poses.metadata)
        paths = metadata.get("image_paths")
        if paths is not None and len(paths) == n:
            metadata["image_paths"] = [paths[i] for i in rows]
        poses = poses.select_frames(rows).replace(metadata=metadata)
    if not sampled:
        poses = _fill_gaps(poses, path, done)
    warnings.warn(f"{_where(path)}{'; '.join(done)}", DataRepairWarning, stacklevel=3)
    return poses


def _fill_gaps(poses: Poses, path, done: list[str]) -> Poses:
    """Insert missing frames where sorted, unique frame numbers jump."""
    frames = np.asarray(poses.frame_index)
    start, stop = int(frames[0]), int(frames[-1]) + 1
    length = stop - start
    if length == len(frames):
        return poses
    if length > MAX_GAP_FILL * len(frames):
        raise FileProblemError(
            path,
            f"frame numbers run from {start} to {stop - 1} over only "
            f"{len(frames)} rows; filling the gaps would make {length} frames "
            f"(over {MAX_GAP_FILL}x the rows): are they frame numbers?",
        )
    shape = poses.position.shape
    position = np.full((length, *shape[1:]), np.nan)
    confidence = np.full((length, *shape[1:3]), np.nan)
    position[frames - start] = poses.position
    confidence[frames - start] = poses.confidence
    done.append(
        f"{length - len(frames)} missing frame(s) in gaps of the frame numbers: "
        "inserted as frames without points"
    )
    return poses.replace(
        position=position,
        confidence=confidence,
        frame_index=np.arange(start, stop, dtype=np.int64),
    )


def mask_far_points(poses: Poses, path: str | Path | None = None) -> Poses:
    """Set points with corrupt coordinates missing (NaN), with a warning.

    A coordinate is corrupt when it is not finite, or lies farther than
    `FAR_SPANS` times the recording's own 1st-99th percentile span from the
    median of its axis (x, y, z apart, all individuals and keypoints pooled):
    values such as 1e30 in a damaged export, far outside any arena.

    Warns
    -----
    DataRepairWarning
        Naming the file and the number of points set missing.
    """
    path = path if path is not None else poses.path
    position = poses.position
    far = np.zeros(position.shape[:3], dtype=bool)
    for s in range(poses.n_space):
        axis = position[..., s]
        finite = np.isfinite(axis)
        far |= np.isinf(axis)
        values = axis[finite]
        if values.size == 0:
            continue
        low, mid, high = np.percentile(values, [1, 50, 99])
        span = max(high - low, 1e-9 * max(abs(mid), 1.0))
        with np.errstate(invalid="ignore"):
            far |= np.abs(axis - mid) > FAR_SPANS * span
    n_far = int(far.sum())
    if not n_far:
        return poses
    position = position.copy()
    confidence = poses.confidence.copy()
    position[far] = np.nan
    confidence[far] = np.nan
    warnings.warn(
        f"{_where(path)}{n_far} point(s) with coordinates far outside the "
        f"recording's range (not finite, or over {FAR_SPANS:g}x its 1st-99th "
        "percentile span from the median) were set missing",
        DataRepairWarning,
        stacklevel=3,
    )
    return poses.replace(position=position, confidence=confidence)
