"""Caltech Behavior Annotator (CBA) annotation files: read, pick a stream, write.

The text format that the Caltech Behavior Annotator, MARS and Bento share::

    Caltech Behavior Annotator - Annotation File

    Configuration file:
    base<TAB>z
    social<TAB>s

    S1:<TAB>start<TAB>end<TAB>type
    -----------------------------
       <TAB>1<TAB>535<TAB>base
       <TAB>536<TAB>961<TAB>social

A configuration block maps each behaviour to a key; then one block per
annotation *stream* (``S1:``, ``S2:``, ...: e.g. two annotators, or two levels
of detail), each a table of bouts whose ``start`` and ``end`` are **1-based and
inclusive** frame numbers. Files written on Windows end lines with CRLF.

Here bouts are `behavert.io.boris.Bout` (0-based, ``stop`` exclusive): file
bout ``start end`` is ``Bout(start - 1, end, type)``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import LabelFileError, LabelWarning
from .atomic import atomic_path
from .boris import Bout, bouts_to_labels
from .labels import FrameLabels

__all__ = [
    "CBA_HEADER",
    "CbaFile",
    "is_cba",
    "load_cba_labels",
    "read_cba",
    "save_cba",
]

CBA_HEADER = "Caltech Behavior Annotator - Annotation File"


@dataclass(frozen=True)
class CbaFile:
    """The content of a CBA file.

    Attributes
    ----------
    behaviours
        Behaviour names in the order of the configuration block.
    keys
        Behaviour -> its key in the annotator.
    streams
        Stream name (``"S1"``, ...) -> its bouts (0-based, ``stop``
        exclusive), in file order.
    path
        The file read, or None.
    """

    behaviours: tuple[str, ...]
    keys: dict[str, str] = field(default_factory=dict)
    streams: dict[str, tuple[Bout, ...]] = field(default_factory=dict)
    path: Path | None = None

    def stream(self, which: str | int | None = None) -> tuple[str, tuple[Bout, ...]]:
        """``(name, bouts)`` of a stream: a name (``"S2"``), a 1-based number,
        or None for the first stream.

        Raises
        ------
        LabelFileError
            Naming the file and the streams it has when ``which`` is not one.
        """
        names = list(self.streams)
        if not names:
            raise LabelFileError(self.path, "the CBA file has no annotation stream")
        if which is None:
            name = names[0]
        elif isinstance(which, int) or str(which).isdigit():
            name = f"S{int(which)}"
        else:
            name = str(which).rstrip(":")
        if name not in self.streams:
            raise LabelFileError(
                self.path, f"has no stream {name}; its streams are {names}"
            )
        return name, self.streams[name]


def is_cba(lines: Sequence[str]) -> bool:
    """True when the first non-empty line is the CBA header."""
    for line in lines:
        if line.strip():
            return line.strip().lower().startswith(CBA_HEADER.lower())
    return False


def _parse_config(lines: list[str], i: int, path: Path) -> tuple[int, dict[str, str]]:
    """The ``name<TAB>key`` lines after ``Configuration file:`` (ends at a blank)."""
    keys: dict[str, str] = {}
    while i < len(lines) and lines[i].strip():
        cells = lines[i].split()
        if len(cells) > 2 or not cells:
            raise LabelFileError(
                path, f"line {i + 1}: expected 'behaviour key' in the configuration"
            )
        keys[cells[0]] = cells[1] if len(cells) > 1 else ""
        i += 1
    return i, keys


def _parse_row(line: str, number: int, keys: dict, path: Path) -> Bout:
    cells = line.split()
    if len(cells) != 3:
        raise LabelFileError(
            path, f"line {number}: expected 'start end type', got {line.strip()!r}"
        )
    try:
        start, end = int(cells[0]), int(cells[1])
    except ValueError as e:
        raise LabelFileError(path, f"line {number}: frames must be integers") from e
    if start < 1 or end < start:
        raise LabelFileError(
            path,
            f"line {number}: bout {start}-{end} is not 1-based with start <= end",
        )
    if keys and cells[2] not in keys:
        raise LabelFileError(
            path,
            f"line {number}: behaviour {cells[2]!r} is not in the configuration "
            f"block ({list(keys)})",
        )
    return Bout(start - 1, end, cells[2])


def read_cba(path: str | Path) -> CbaFile:
    """Read a CBA annotation file (any line endings).

    Raises
    ------
    LabelFileError
        Naming the file (and the line) when it is missing or malformed.
    """
    path = Path(path)
    if not path.is_file():
        raise LabelFileError(path, "label file not found")
    lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    if not is_cba(lines):
        raise LabelFileError(path, f"is not a CBA file (no {CBA_HEADER!r} header)")
    keys: dict[str, str] = {}
    streams: dict[str, list[Bout]] = {}
    current = None
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        if text.lower().startswith("configuration file"):
            i, keys = _parse_config(lines, i + 1, path)
            continue
        head = text.split()[0] if text else ""
        if head.endswith(":") and head[:-1].startswith("S") and head[1:-1].isdigit():
            current = streams.setdefault(head[:-1], [])
        elif text and not set(text) <= {"-"} and current is not None:
            current.append(_parse_row(lines[i], i + 1, keys, path))
        i += 1
    behaviours = tuple(keys) or tuple(
        dict.fromkeys(b.behaviour for bouts in streams.values() for b in bouts)
    )
    return CbaFile(
        behaviours, keys, {k: tuple(v) for k, v in streams.items()}, path=path
    )


def _align(bouts, frame_index: np.ndarray, path: Path) -> list[Bout]:
    """Bouts on the poses' time axis (rows of ``frame_index``), trimmed to it."""
    first, last = int(frame_index[0]), int(frame_index[-1])
    end = max((b.stop for b in bouts), default=0)
    if bouts and (end <= first or min(b.start for b in bouts) > last):
        raise LabelFileError(
            path,
            f"its bouts (frames {min(b.start for b in bouts)}-{end - 1}, 0-based) "
            f"do not overlap the poses' frames {first}-{last}",
        )
    beyond = max(0, end - (last + 1))
    if beyond:
        warnings.warn(
            f"{path}: labels run {beyond} frame(s) past the last pose frame "
            f"({last}); those frames were dropped",
            LabelWarning,
            stacklevel=3,
        )
    rows = []
    for b in bouts:
        a = int(np.searchsorted(frame_index, b.start))
        z = int(np.searchsorted(frame_index, b.stop))
        if z > a:
            rows.append(Bout(a, z, b.behaviour))
    return rows


def load_cba_labels(
    path: str | Path,
    *,
    stream: str | int | None = None,
    n_frames: int | None = None,
    frame_index: Sequence[int] | None = None,
    behaviours: Sequence[str] | None = None,
) -> FrameLabels:
    """Per-frame labels from one stream of a CBA file.

    Parameters
    ----------
    path
        The CBA file.
    stream
        ``"S1"``, ``"S2"``, ... or its number; None: the first stream.
    n_frames, frame_index
        The poses the labels belong to: their ``frame_index`` (the file's own
        frame numbers), or ``n_frames`` for frames ``0 .. n_frames - 1``.
        Labels are aligned by frame number; those past the last pose frame
        are dropped with a warning that names the file and the count. None:
        the labels' own length.
    behaviours
        Classes to keep, in this order (default: the classes the stream uses,
        in the configuration block's order; the block lists every stream's).

    Returns
    -------
    FrameLabels
        ``(time, class)`` bool; frames in no bout have no class.

    Raises
    ------
    LabelFileError
        The file is malformed, has no such stream, or its bouts do not overlap
        the poses at all.
    """
    cba = read_cba(path)
    _, bouts = cba.stream(stream)
    in_stream = {b.behaviour for b in bouts}
    if behaviours is None:  # the stream's own classes, in configuration order
        names = tuple(n for n in cba.behaviours if n in in_stream)
        names += tuple(sorted(in_stream - set(names)))
    else:
        names = tuple(behaviours)
    bouts = [b for b in bouts if b.behaviour in names]
    if frame_index is None:
        total = n_frames if n_frames is not None else max(b.stop for b in bouts)
        frame_index = np.arange(int(total))
    frame_index = np.asarray(frame_index, dtype=np.int64)
    aligned = _align(bouts, frame_index, cba.path)
    return bouts_to_labels(aligned, names, len(frame_index), path=cba.path)


def save_cba(
    streams: Mapping[str, Sequence[Bout]],
    path: str | Path,
    *,
    behaviours: Sequence[str] | None = None,
    keys: Mapping[str, str] | None = None,
) -> Path:
    """Write bouts as a CBA file (CRLF line ends, 1-based inclusive frames).

    Parameters
    ----------
    streams
        Stream name (``"S1"``, ...) -> bouts (0-based, ``stop`` exclusive).
    behaviours
        The configuration block, in order (default: every bout's behaviour in
        order of appearance).
    keys
        Behaviour -> key (default: the first letter not yet taken).
    """
    path = Path(path)
    if behaviours is None:
        behaviours = list(
            dict.fromkeys(b.behaviour for bouts in streams.values() for b in bouts)
        )
    keys = dict(keys or {})
    taken = set(keys.values())
    for name in behaviours:
        if name not in keys:
            letters = name + "abcdefghijklmnopqrstuvwxyz"
            free = next((c for c in letters if c not in taken), "")
            keys[name] = free
            taken.add(free)
    lines = [CBA_HEADER, "", "Configuration file:"]
    lines += [f"{name}\t{keys[name]}" for name in behaviours]
    for name, bouts in streams.items():
        lines += ["", f"{name}:\tstart\tend\ttype", "-" * 29]
        lines += [f"   \t{b.start + 1}\t{b.stop}\t{b.behaviour}" for b in bouts]
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path
