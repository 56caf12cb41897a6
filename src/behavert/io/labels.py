"""Per-frame behaviour labels and per-recording groups (no torch).

Readers for the label tables people actually have:

* Caltech Behavior Annotator (CBA / MARS / Bento) files, one stream at a time
  (`behavert.io.cba`);
* a CSV with one 0/1 column per behaviour (optionally a ``frame`` column);
* a CSV with one column that names the behaviour of each frame;
* BORIS exports: the events table (``Time, ..., Behavior, ..., Status`` with
  START/STOP rows, after metadata lines) and the aggregated table
  (``Start (s)``/``Stop (s)`` columns);
* SimBA tables: ``<behaviour>`` or ``<behaviour>_prediction`` 0/1 columns among
  pose columns (``<bodypart>_x``, ``_y``, ``_p``) and engineered features.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import LabelFileError, LabelWarning
from .atomic import atomic_path

__all__ = [
    "FrameLabels",
    "class_names_with_background",
    "drop_unscored",
    "group_of",
    "load_frame_labels",
    "load_sequence_labels",
    "save_frame_labels",
    "to_class_indices",
]


@dataclass(frozen=True, eq=False)
class FrameLabels:
    """Behaviour labels of every frame of one recording.

    Attributes
    ----------
    names
        Behaviour names, one per ``class`` index.
    values
        ``(time, class)`` array: bool for hard labels, float in [0, 1] for soft ones.
    multi_label
        True when several behaviours may be on in the same frame.
    path
        The label file that was read, or None.
    scored
        ``(time,)`` bool, False for frames nobody scored (e.g. the ``base``
        lead-in of CBA files, see `drop_unscored`): ignored in training and
        metrics rather than taken as background. None: every frame is scored.
    """

    names: tuple[str, ...]
    values: np.ndarray
    multi_label: bool = False
    path: Path | None = None
    scored: np.ndarray | None = None

    def __post_init__(self) -> None:
        values = np.asarray(self.values)
        if values.dtype != bool:
            values = values.astype(np.float64)
        if values.ndim != 2 or values.shape[1] != len(self.names):
            raise ValueError(
                f"values must be (time, class) with {len(self.names)} classes, "
                f"got shape {values.shape}"
            )
        values.setflags(write=False)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "names", tuple(str(n) for n in self.names))
        if self.path is not None:
            object.__setattr__(self, "path", Path(self.path))
        if self.scored is not None:
            scored = np.asarray(self.scored, dtype=bool).copy()
            if scored.shape != (values.shape[0],):
                raise ValueError(
                    f"scored must be ({values.shape[0]},), got {scored.shape}"
                )
            scored.setflags(write=False)
            object.__setattr__(self, "scored", scored)

    @property
    def n_frames(self) -> int:
        """Number of frames (``time`` axis)."""
        return self.values.shape[0]

    def counts(self) -> dict[str, int]:
        """Number of positive frames per behaviour."""
        pos = self.values > 0.5
        return {n: int(pos[:, i].sum()) for i, n in enumerate(self.names)}


# ---------------------------------------------------------------- helpers
def _fail(path: Path, problem: str) -> LabelFileError:
    return LabelFileError(path, problem)


# ---------------------------------------------------------------- public API
def load_frame_labels(
    path: str | Path,
    *,
    n_frames: int | None = None,
    fps: float | None = None,
    behaviours: Sequence[str] | None = None,
    stream: str | int | None = None,
    frame_index: Sequence[int] | None = None,
) -> FrameLabels:
    """Read per-frame behaviour labels from a CSV, BORIS, SimBA or CBA file.

    Parameters
    ----------
    path
        The label file.
    n_frames
        Number of pose frames the labels must cover; a table of another length
        raises :class:`~behavert.errors.LabelFileError`. BORIS events are
        converted to this many frames.
    fps
        Frame rate for BORIS tables (default: the table's ``FPS`` column).
    behaviours
        Behaviours to keep, in this order (default: all found, sorted for
        BORIS / name columns, in column order otherwise).
    stream
        Caltech Behavior Annotator files (`behavert.io.cba`): the stream
        (``"S1"``, ``2``, ...; default the first).
    frame_index
        The poses' own frame numbers (``Poses.frame_index``); labels are
        aligned on them: CBA bouts, BORIS times (frame ``round(t * fps)``) and
        a CSV's frame column. Labels of frames the poses lack are dropped with
        a `~behavert.errors.LabelWarning` giving the count; pose frames without
        a label row are refused. Default ``0 .. n_frames - 1``.

    Returns
    -------
    FrameLabels
        ``values`` is ``(time, class)`` bool. BORIS bouts cover frames
        ``round(start * fps)`` to ``round(stop * fps)`` inclusive. Frames with
        an empty cell in a 0/1 behaviour column are unscored (``scored``).

    Warns
    -----
    LabelWarning
        Empty cells, reversed BORIS bouts or labels past the poses' frames,
        with the file name and counts.
    """
    path = Path(path)
    if frame_index is not None:
        frame_index = np.asarray(frame_index, dtype=np.int64)
        n_frames = len(frame_index) if n_frames is None else n_frames
    if not path.is_file():
        raise _fail(path, "label file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise _fail(path, f"not a text label table ({e})") from e
    lines = text.splitlines()
    from .cba import is_cba, load_cba_labels

    if is_cba(lines):
        return load_cba_labels(
            path,
            stream=stream,
            n_frames=n_frames,
            frame_index=frame_index,
            behaviours=behaviours,
        )
    if stream is not None:
        raise _fail(path, "--stream applies to Caltech Behavior Annotator files")
    from .boris import find_boris_header, read_boris

    found = find_boris_header(lines)
    if found is None:
        from .label_table import read_label_table

        return read_label_table(path, n_frames, behaviours, frame_index)
    if frame_index is None or np.array_equal(frame_index, np.arange(n_frames)):
        return read_boris(path, lines, found, n_frames, fps, behaviours)
    every = read_boris(path, lines, found, int(frame_index[-1]) + 1, fps, behaviours)
    values = np.asarray(every.values)[frame_index]
    return FrameLabels(every.names, values, every.multi_label, path=path)


def drop_unscored(labels: FrameLabels, unscored: Sequence[str]) -> FrameLabels:
    """Turn classes that mark unscored frames into ignored frames.

    Some annotations label the frames nobody scored with a class of their own
    (the ``base`` lead-in of the rat CBA files). Given as ``unscored``, such a
    class is removed, and its frames (unless another behaviour is on in them)
    get ``scored = False``: `to_class_indices` gives them -100, which training
    and metrics ignore. Without this, the class stays a class like any other.

    Raises
    ------
    LabelFileError
        Naming the file when a name in ``unscored`` is not one of its classes.
    """
    unknown = [n for n in unscored if n not in labels.names]
    if unknown:
        raise _fail(
            labels.path,
            f"has no behaviour {unknown} to ignore; its behaviours are "
            f"{list(labels.names)}",
        )
    drop = [labels.names.index(n) for n in unscored]
    keep = [i for i in range(len(labels.names)) if i not in drop]
    positive = np.asarray(labels.values) > 0.5
    off = positive[:, drop].any(axis=1) & ~positive[:, keep].any(axis=1)
    scored = ~off if labels.scored is None else labels.scored & ~off
    return FrameLabels(
        tuple(labels.names[i] for i in keep),
        np.asarray(labels.values)[:, keep],
        multi_label=labels.multi_label,
        path=labels.path,
        scored=scored,
    )


def class_names_with_background(
    labels: FrameLabels, background: str = "other"
) -> tuple[str, ...]:
    """Class names matching :func:`to_class_indices` (background first if added)."""
    if background in labels.names:
        return labels.names
    return (background, *labels.names)


def to_class_indices(labels: FrameLabels, background: str = "other") -> np.ndarray:
    """Turn labels into one class index per frame for single-label training.

    Frames with no behaviour get the ``background`` class: index 0 (prepended
    to the names) unless ``background`` is one of ``labels.names``. Where
    behaviours overlap, the first in ``labels.names`` wins (with a warning).

    Returns
    -------
    numpy.ndarray
        ``(time,)`` int64 indices into :func:`class_names_with_background`;
        -100 for unscored frames (``labels.scored``).
    """
    names = class_names_with_background(labels, background)
    positive = np.asarray(labels.values) > 0.5
    offset = 0 if background in labels.names else 1
    out = np.full(labels.n_frames, names.index(background), dtype=np.int64)
    if background in labels.names:
        positive = positive.copy()
        positive[:, labels.names.index(background)] = False
    if (positive.sum(axis=1) > 1).any():
        warnings.warn(
            f"{labels.path or 'labels'}: behaviours overlap in "
            f"{int((positive.sum(axis=1) > 1).sum())} frames; the first listed wins",
            LabelWarning,
            stacklevel=2,
        )
    has = positive.any(axis=1)
    out[has] = positive[has].argmax(axis=1) + offset
    if labels.scored is not None:
        out[~labels.scored] = -100
    return out


def save_frame_labels(
    labels: FrameLabels, path: str | Path, frame_index: Sequence[int] | None = None
) -> Path:
    """Write labels atomically as a CSV: ``frame`` + one column per behaviour.

    ``frame`` holds ``frame_index`` (the poses' own frame numbers, which
    `load_frame_labels` aligns on) or ``0 .. time - 1`` when None. The file
    follows the umask (`behavert.io.atomic.atomic_path`).
    """
    path = Path(path)
    values = np.asarray(labels.values)
    data = values.astype(np.int64) if values.dtype == bool else values
    table = pd.DataFrame(data, columns=list(labels.names))
    frames = np.arange(len(table)) if frame_index is None else frame_index
    frames = np.asarray(frames, dtype=np.int64)
    if frames.shape != (len(table),):
        raise _fail(path, f"{len(frames)} frame numbers for {len(table)} frames")
    table.insert(0, "frame", frames)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        table.to_csv(f, index=False)
    return path


def load_sequence_labels(path: str | Path) -> dict[str, str]:
    """Read a CSV mapping each recording (file name or stem) to a group.

    The table needs two columns; a header such as ``recording,genotype`` is
    recognised (the first column is the recording, the second the group).

    Returns
    -------
    dict
        Recording name as written in the file -> group name.
    """
    path = Path(path)
    if not path.is_file():
        raise _fail(path, "group table not found")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise _fail(path, f"not a readable CSV ({e})") from e
    if table.shape[1] < 2:
        raise _fail(path, "the group table needs two columns: recording, group")
    out: dict[str, str] = {}
    for rec, group in zip(table.iloc[:, 0], table.iloc[:, 1]):
        rec, group = str(rec).strip(), str(group).strip()
        if not rec:
            continue
        if not group:
            raise _fail(path, f"recording {rec!r} has no group")
        if rec in out and out[rec] != group:
            raise _fail(path, f"recording {rec!r} is listed in two groups")
        out[rec] = group
    if not out:
        raise _fail(path, "the group table has no rows")
    return out


def group_of(groups: dict[str, str], recording: str | Path) -> str | None:
    """Find the group of a recording by its full name, file name or stem."""
    p = Path(recording)
    for key in (str(recording), p.name, p.stem):
        if key in groups:
            return groups[key]
    stems = {Path(k).stem: v for k, v in groups.items()}
    return stems.get(p.stem)
