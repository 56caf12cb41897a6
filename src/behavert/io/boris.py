"""Behaviour bouts <-> per-frame labels, and BORIS events tables (no torch).

A bout is a run of frames ``[start, stop)`` (``stop`` exclusive, frame
positions ``0 .. time - 1`` of the recording) showing one behaviour. The
annotation widget edits bouts; training reads :class:`FrameLabels`; this module
converts between them and writes BORIS "tabular events" exports that
:func:`behavert.io.labels.load_frame_labels` reads back.

BORIS time stamps are seconds: a bout starts at ``start / fps`` and its STOP
event is at ``(stop - 1) / fps`` (the last frame of the bout), which the reader
maps back with ``round(seconds * fps)`` inclusive.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import LabelFileError, LabelWarning
from .atomic import atomic_path
from .bouts import mask_runs
from .labels import FrameLabels

__all__ = [
    "BORIS_COLUMNS",
    "Bout",
    "bouts_to_labels",
    "find_boris_header",
    "labels_to_bouts",
    "read_boris",
    "save_boris",
]

#: Columns of a BORIS tabular events export, in order.
BORIS_COLUMNS = (
    "Time",
    "Media file path",
    "Total length",
    "FPS",
    "Subject",
    "Behavior",
    "Behavioral category",
    "Comment",
    "Status",
)


@dataclass(frozen=True, order=True)
class Bout:
    """One behaviour bout: frames ``start .. stop - 1``.

    Attributes
    ----------
    start
        First frame (position on the recording's time axis).
    stop
        One past the last frame (``stop > start``).
    behaviour
        Behaviour name.
    """

    start: int
    stop: int
    behaviour: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", int(self.start))
        object.__setattr__(self, "stop", int(self.stop))
        object.__setattr__(self, "behaviour", str(self.behaviour))
        if self.start < 0 or self.stop <= self.start:
            raise ValueError(
                f"a bout needs 0 <= start < stop, got start={self.start}, "
                f"stop={self.stop} ({self.behaviour})"
            )

    @property
    def n_frames(self) -> int:
        """Length of the bout in frames."""
        return self.stop - self.start

    def contains(self, frame: int) -> bool:
        """True when ``frame`` lies in the bout."""
        return self.start <= frame < self.stop


def labels_to_bouts(labels: FrameLabels) -> list[Bout]:
    """Cut per-frame labels into bouts (one per run of positive frames).

    Returns
    -------
    list of Bout
        Sorted by start frame, then behaviour order.
    """
    positive = np.asarray(labels.values) > 0.5  # (time, class)
    bouts = []
    for k, name in enumerate(labels.names):
        for a, b in mask_runs(positive[:, k]):
            bouts.append(Bout(a, b, name))
    return sorted(bouts, key=lambda x: (x.start, labels.names.index(x.behaviour)))


def bouts_to_labels(
    bouts: Iterable[Bout],
    names: Sequence[str],
    n_frames: int,
    *,
    path: str | Path | None = None,
) -> FrameLabels:
    """Turn bouts into per-frame labels.

    Parameters
    ----------
    bouts
        The bouts; parts beyond ``n_frames`` are clipped.
    names
        Behaviour classes in order (the ``class`` axis); every bout's behaviour
        must be one of them.
    n_frames
        Length of the recording (``time`` axis).
    path
        Recorded as the labels' source file.

    Returns
    -------
    FrameLabels
        ``values (time, class)`` bool; ``multi_label`` when bouts of different
        behaviours overlap.
    """
    names = tuple(str(n) for n in names)
    values = np.zeros((int(n_frames), len(names)), dtype=bool)
    for bout in bouts:
        if bout.behaviour not in names:
            raise ValueError(f"bout behaviour {bout.behaviour!r} is not in {names}")
        values[bout.start : min(bout.stop, n_frames), names.index(bout.behaviour)] = (
            True
        )
    multi = bool((values.sum(axis=1) > 1).any())
    return FrameLabels(names, values, multi_label=multi, path=path)


def save_boris(
    labels: FrameLabels,
    path: str | Path,
    fps: float,
    *,
    subject: str = "",
    media: str = "",
    observation: str | None = None,
) -> Path:
    """Write labels as a BORIS tabular events CSV (START/STOP rows), atomically.

    Parameters
    ----------
    labels
        Per-frame labels; each run of positive frames becomes one START/STOP pair.
    path
        Output ``.csv``.
    fps
        Frame rate turning frames into seconds (> 0).
    subject, media
        Written to the ``Subject`` and ``Media file path`` columns.
    observation
        Observation id of the metadata header (default: the file's stem).

    Returns
    -------
    pathlib.Path
        ``path``. Reading it with ``load_frame_labels(path,
        behaviours=labels.names)`` gives back the same ``(time, class)`` values.
    """
    path = Path(path)
    if not fps or fps <= 0:
        raise LabelFileError(path, f"BORIS tables need a frame rate > 0, got {fps}")
    events = []
    for bout in labels_to_bouts(labels):
        events.append((bout.start, 0, bout.behaviour, "START"))
        events.append((bout.stop - 1, 1, bout.behaviour, "STOP"))
    events.sort(key=lambda e: (e[0], e[1]))
    total = f"{labels.n_frames / fps:.4f}"
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Observation id", observation or path.stem])
        writer.writerow(["Observation date", ""])
        writer.writerow(["Description", "written by behavert"])
        writer.writerow(["Time offset (s)", "0.000"])
        writer.writerow([])
        writer.writerow(BORIS_COLUMNS)
        for frame, _, behaviour, status in events:
            writer.writerow(
                [
                    f"{frame / fps:.4f}",
                    media,
                    total,
                    f"{fps:g}",
                    subject,
                    behaviour,
                    "",
                    "",
                    status,
                ]
            )
    return path


# ------------------------------------------------------------------ reading
def find_boris_header(lines: list[str]) -> tuple[int, str] | None:
    """Locate a BORIS table header: returns (line index, "events"|"aggregated")."""
    for i, line in enumerate(lines[:200]):
        cells = [c.strip().strip('"') for c in next(csv.reader([line]), [])]
        if "Behavior" in cells and "Start (s)" in cells and "Stop (s)" in cells:
            return i, "aggregated"
        if cells and cells[0] == "Time" and "Behavior" in cells and "Status" in cells:
            return i, "events"
    return None


def _fps_from(table: pd.DataFrame, fps: float | None, path: Path) -> float:
    if fps is not None:
        return float(fps)
    if "FPS" in table.columns:
        values = pd.to_numeric(table["FPS"], errors="coerce").dropna()
        values = values[values > 0]
        if len(values):
            return float(values.iloc[0])
    raise LabelFileError(path, "the BORIS table has no FPS column; pass fps=")


def _frame(seconds: float, fps: float) -> int:
    # Round half to even, as Python's round: 29.85 s * 30 fps -> frame 896.
    return int(round(float(seconds) * fps))


def _seconds(value, path: Path, line: int, column: str, empty_ok=False) -> float:
    """A time cell in seconds; NaN only where ``empty_ok`` (a point event's stop).

    Raises
    ------
    LabelFileError
        Naming the file, the line and the column: an empty cell or text that
        is not a number of seconds (``"29.85s"``).
    """
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise LabelFileError(
            path,
            f"line {line}, column {column!r}: {value!r} is not a time in seconds "
            "(write a plain number such as 29.85)",
        ) from None
    if np.isnan(seconds) and not empty_ok:
        raise LabelFileError(path, f"line {line}, column {column!r}: the time is empty")
    if np.isinf(seconds):
        raise LabelFileError(path, f"line {line}, column {column!r}: infinite time")
    return seconds


def _aggregated_bouts(table: pd.DataFrame, header: int, path: Path) -> list:
    """``(behaviour, start s, stop s, line)`` of an aggregated BORIS table."""
    bouts = []
    for i, (b, start, stop) in enumerate(
        zip(table["Behavior"], table["Start (s)"], table["Stop (s)"])
    ):
        line = header + 2 + i
        t0 = _seconds(start, path, line, "Start (s)")
        t1 = _seconds(stop, path, line, "Stop (s)", empty_ok=True)
        bouts.append((b, t0, t0 if np.isnan(t1) else t1, line))  # NaN: a point
    return bouts


def _event_bouts(table: pd.DataFrame, header: int, path: Path) -> list:
    """``(behaviour, start s, stop s, line)`` of a BORIS events table."""
    status = table["Status"].astype(str).str.upper().str.strip()
    open_: dict[tuple[str, str], float] = {}
    subjects = table.get("Subject", pd.Series([""] * len(table))).astype(str)
    bouts = []
    for i, (t, b, s, subj) in enumerate(
        zip(table["Time"], table["Behavior"], status, subjects)
    ):
        line = header + 2 + i
        t = _seconds(t, path, line, "Time")
        key = (b, subj)
        if s == "START":
            if key in open_:
                raise LabelFileError(path, f"behaviour {b!r} starts twice at {t} s")
            open_[key] = t
        elif s == "STOP":
            if key not in open_:
                raise LabelFileError(
                    path, f"behaviour {b!r} stops at {t} s without START"
                )
            bouts.append((b, open_.pop(key), t, line))
        elif s == "POINT":
            bouts.append((b, t, t, line))
        else:
            raise LabelFileError(path, f"unknown BORIS status {s!r} at {t} s")
    if open_:
        unclosed = sorted(k[0] for k in open_)
        raise LabelFileError(path, f"behaviours without STOP: {unclosed}")
    return bouts


def _drop_reversed(bouts: list, path: Path) -> list:
    """Bouts whose stop precedes their start are dropped, with a `LabelWarning`.

    Swapping the two times would guess what the annotator meant; dropping
    leaves those frames unlabelled and the warning names each behaviour and
    count so that the file can be fixed.
    """
    reversed_ = [bout for bout in bouts if bout[2] < bout[1]]
    if not reversed_:
        return bouts
    counts: dict[str, int] = {}
    for b, *_ in reversed_:
        counts[b] = counts.get(b, 0) + 1
    which = ", ".join(f"{b!r} ({n})" for b, n in counts.items())
    lines = ", ".join(str(bout[3]) for bout in reversed_[:5])
    warnings.warn(
        f"{path}: {len(reversed_)} bout(s) stop before they start: {which} "
        f"(STOP on line {lines}); they were dropped: fix their times in the file",
        LabelWarning,
        stacklevel=4,
    )
    return [bout for bout in bouts if bout[2] >= bout[1]]


def read_boris(
    path: Path,
    lines: list[str],
    found: tuple[int, str],
    n_frames: int | None,
    fps: float | None,
    behaviours: Sequence[str] | None,
) -> FrameLabels:
    """Per-frame labels of a BORIS table whose header `find_boris_header` found.

    Bouts cover frames ``round(start * fps)`` to ``round(stop * fps)`` inclusive.
    A bout whose stop precedes its start is dropped with a
    `~behavert.errors.LabelWarning` naming the file, behaviour and count; a
    time that is empty or not a number is a `LabelFileError` naming the line.
    """
    header, kind = found
    table = pd.read_csv(io.StringIO("\n".join(lines[header:])))
    if len(table) == 0:
        raise LabelFileError(path, "the BORIS table has no rows")
    rate = _fps_from(table, fps, path)
    table["Behavior"] = table["Behavior"].astype(str)
    names = list(behaviours) if behaviours else sorted(set(table["Behavior"]))
    if kind == "aggregated":
        timed = _aggregated_bouts(table, header, path)
    else:
        timed = _event_bouts(table, header, path)
    bouts = [
        (b, _frame(t0, rate), _frame(t1, rate))
        for b, t0, t1, _ in _drop_reversed(timed, path)
    ]
    if n_frames is None:
        total = None
        if "Total length" in table.columns:
            lengths = pd.to_numeric(table["Total length"], errors="coerce").dropna()
            if len(lengths):
                total = int(round(float(lengths.iloc[0]) * rate))
        last = max((b[2] for b in bouts), default=-1) + 1
        n_frames = max(total or 0, last)
    elif bouts and max(b[2] for b in bouts) > n_frames:
        # A bout ending exactly one frame past the end is a rounding artefact.
        raise LabelFileError(
            path,
            f"the BORIS events reach frame {max(b[2] for b in bouts)} but the "
            f"poses have {n_frames} frames (fps={rate})",
        )
    values = np.zeros((n_frames, len(names)), dtype=bool)
    for b, f0, f1 in bouts:
        if b in names:
            values[max(f0, 0) : min(f1, n_frames - 1) + 1, names.index(b)] = True
    multi = bool((values.sum(axis=1) > 1).any())
    return FrameLabels(tuple(names), values, multi_label=multi, path=path)
