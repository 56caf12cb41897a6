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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import LabelFileError
from .atomic import atomic_path
from .bouts import mask_runs
from .labels import FrameLabels

__all__ = [
    "BORIS_COLUMNS",
    "Bout",
    "bouts_to_labels",
    "labels_to_bouts",
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
