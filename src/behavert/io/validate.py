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
    "open_hdf5",
    "read_csv_header",
    "read_text_head",
]

#: The 8 bytes every HDF5 file starts with (at offset 0, 512, 1024, ...).
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


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
