"""Frame-label CSV tables: one 0/1 column per behaviour, or one name column.

Read by :func:`behavert.io.labels.load_frame_labels` (SimBA targets among
pose columns included). A frame column aligns the rows on the poses' own frame
numbers (``Poses.frame_index``), never by row order alone; an empty cell in a
0/1 column makes its frame unscored, with a warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import LabelFileError, LabelWarning
from .labels import FrameLabels

__all__ = ["align_rows", "read_label_table"]

_FRAME_COLUMNS = ("frame", "frames", "frame_index", "frame_idx", "index", "scorer")
_NAME_COLUMNS = ("behaviour", "behavior", "label", "labels", "class", "annotation")
_POSE_SUFFIXES = ("_x", "_y", "_z", "_p", "_likelihood")


def _check_length(path: Path, n_labels: int, n_frames: int | None) -> None:
    if n_frames is not None and n_labels != n_frames:
        raise LabelFileError(
            path,
            f"the label table has {n_labels} frames but the poses have "
            f"{n_frames} frames",
        )


def _binary(column: pd.Series) -> bool:
    """True when every filled cell is 0 or 1 (empty cells allowed, not all)."""
    empty = column.isna()
    values = pd.to_numeric(column, errors="coerce")
    if (values.isna() & ~empty).any() or empty.all():
        return False
    return bool(values[~empty].isin([0, 1]).all())


def _frame_column(table: pd.DataFrame) -> str | None:
    for c in table.columns:
        if str(c).strip().lower() in _FRAME_COLUMNS or str(c).startswith("Unnamed: 0"):
            return c
    return None


def _frame_numbers(table: pd.DataFrame, column, path: Path) -> np.ndarray | None:
    """The frame column as integers; None when it holds no numbers at all.

    Raises
    ------
    LabelFileError
        Some cells are empty or not whole numbers, or a frame number repeats.
    """
    frames = pd.to_numeric(table[column], errors="coerce")
    if frames.isna().all():
        return None
    bad = int((frames.isna() | (frames != frames.round())).sum())
    if bad:
        raise LabelFileError(
            path,
            f"the frame column {column!r} has {bad} cell(s) that are empty or not "
            "whole frame numbers",
        )
    numbers = frames.to_numpy(dtype=np.int64)
    repeated = len(numbers) - len(np.unique(numbers))
    if repeated:
        raise LabelFileError(
            path,
            f"the frame column {column!r} repeats {repeated} frame number(s); "
            "each frame needs one row",
        )
    return numbers


def align_rows(
    table: pd.DataFrame, frames: np.ndarray, path: Path, poses: np.ndarray | None
) -> pd.DataFrame:
    """Rows of ``table`` (frame numbers ``frames``) for the poses' frames.

    Without poses frames the rows are sorted by frame number. Labels of frames
    the poses lack are dropped with a `LabelWarning` giving the count; pose
    frames without a label row are refused, never matched by row order, except
    a table numbered ``0 .. n - 1`` (rows, as older behavert versions wrote)
    for ``n`` poses frames that it does not overlap, matched row by row with a
    warning.
    """
    if poses is None:
        return table.iloc[np.argsort(frames, kind="stable")].reset_index(drop=True)
    rows = pd.Index(frames).get_indexer(poses)
    lacking = int((rows < 0).sum())
    span = f"{frames.min()}-{frames.max()}"
    numbered = np.array_equal(np.sort(frames), np.arange(len(poses)))
    if lacking == len(poses) and numbered:
        table = table.iloc[np.argsort(frames)]
        warnings.warn(
            f"{path}: its frame numbers 0-{len(poses) - 1} do not overlap the "
            f"poses' frames {poses[0]}-{poses[-1]}; they were taken as row "
            "numbers (labels matched to the poses row by row)",
            LabelWarning,
            stacklevel=4,
        )
        return table.reset_index(drop=True)
    if lacking == len(poses):
        raise LabelFileError(
            path,
            f"its frame numbers ({span}) do not match the poses' frames "
            f"({poses[0]}-{poses[-1]})",
        )
    if lacking:
        example = ", ".join(str(f) for f in poses[rows < 0][:5])
        raise LabelFileError(
            path,
            f"{lacking} of the poses' {len(poses)} frames have no label row "
            f"(frames {example}, ...); the labels would not line up with the "
            "poses: give a label row for every pose frame, numbered as in the "
            "pose file",
        )
    extra = len(frames) - len(poses)
    if extra:
        warnings.warn(
            f"{path}: labels of {extra} frame(s) that the poses lack were dropped "
            f"(label frames {span}, pose frames {poses[0]}-{poses[-1]})",
            LabelWarning,
            stacklevel=4,
        )
    return table.iloc[rows].reset_index(drop=True)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        raise LabelFileError(path, f"not a readable CSV label table ({e})") from e
    if len(table) == 0:
        raise LabelFileError(path, "the label table has no rows")
    return table


def _choose_columns(
    table: pd.DataFrame, path: Path, behaviours: Sequence[str] | None
) -> list[tuple[str, str]]:
    """(behaviour, column) pairs of a table with one 0/1 column per behaviour."""
    columns = [str(c) for c in table.columns]
    if behaviours:
        chosen = []
        for b in behaviours:
            if b in columns:
                chosen.append((b, b))
            elif f"{b}_prediction" in columns:
                chosen.append((b, f"{b}_prediction"))
            else:
                raise LabelFileError(path, f"no column for behaviour {b!r}")
    elif any(c.endswith("_prediction") for c in columns):  # SimBA
        chosen = [
            (c[: -len("_prediction")], c) for c in columns if c.endswith("_prediction")
        ]
    else:
        pose_like = {c for c in columns if c.lower().endswith(_POSE_SUFFIXES)}
        chosen = [(c, c) for c in columns if c not in pose_like and _binary(table[c])]
        if pose_like and not chosen:
            raise LabelFileError(path, "a pose table without 0/1 behaviour columns")
    if not chosen:
        raise LabelFileError(path, "no behaviour columns found (expected 0/1 columns)")
    for _name, col in chosen:
        if not _binary(table[col]):
            raise LabelFileError(
                path, f"column {col!r} holds values other than 0 and 1"
            )
    return chosen


def _column_values(
    table: pd.DataFrame, chosen: list[tuple[str, str]], path: Path
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(time, class)`` bool values and ``scored`` (None when no cell is empty).

    An empty cell in a behaviour column says nothing about that frame: the
    frame is marked unscored (ignored in training and metrics) with a
    `LabelWarning` naming the columns and counts; the behaviour is kept.
    """
    empty = np.stack([table[col].isna().to_numpy() for _, col in chosen], axis=1)
    values = np.stack(
        [pd.to_numeric(table[col]).fillna(0).to_numpy() > 0.5 for _, col in chosen],
        axis=1,
    )
    if not empty.any():
        return values, None
    counts = ", ".join(
        f"{col!r} ({int(n)})" for (_, col), n in zip(chosen, empty.sum(axis=0)) if n
    )
    unscored = empty.any(axis=1)
    warnings.warn(
        f"{path}: {int(empty.sum())} empty cell(s) in behaviour column(s) {counts}: "
        f"those {int(unscored.sum())} frame(s) are marked unscored (ignored in "
        "training and metrics for every behaviour); the behaviours are kept",
        LabelWarning,
        stacklevel=4,
    )
    return values, ~unscored


def read_label_table(
    path: Path,
    n_frames: int | None,
    behaviours: Sequence[str] | None,
    frame_index: np.ndarray | None = None,
) -> FrameLabels:
    """Labels of a CSV table: 0/1 columns per behaviour or one name column.

    A frame column (``frame``, ``frame_index``, ...) aligns the rows on the
    poses' ``frame_index`` (`align_rows`); without one, rows are frames in
    order and their count must equal ``n_frames``. Without ``frame_index``
    the poses' frames are ``0 .. n_frames - 1``.

    Raises
    ------
    LabelFileError
        Naming the file: unreadable, no behaviour columns, non-0/1 values, a
        frame column that does not fit the poses, or a length mismatch.
    """
    table = _read_csv(path)
    frame_col = _frame_column(table)
    if frame_col is not None:
        frames = _frame_numbers(table, frame_col, path)
        table = table.drop(columns=[frame_col])
        if frame_index is None and n_frames is not None:
            frame_index = np.arange(n_frames)
        if frames is not None:
            table = align_rows(table, frames, path, frame_index)
    table = table.reset_index(drop=True)
    columns = [str(c) for c in table.columns]
    # One column naming the behaviour of each frame.
    name_cols = [c for c in columns if c.strip().lower() in _NAME_COLUMNS]
    if len(name_cols) == 1 and not _binary(table[name_cols[0]]):
        labels = table[name_cols[0]].fillna("").astype(str).str.strip()
        names = list(behaviours) if behaviours else sorted(set(labels) - {""})
        values = np.stack([(labels == n).to_numpy() for n in names], axis=1)
        _check_length(path, len(values), n_frames)
        return FrameLabels(tuple(names), values, multi_label=False, path=path)
    chosen = _choose_columns(table, path, behaviours)
    values, scored = _column_values(table, chosen, path)
    _check_length(path, len(values), n_frames)
    multi = bool((values.sum(axis=1) > 1).any())
    return FrameLabels(
        tuple(n for n, _ in chosen), values, multi_label=multi, path=path, scored=scored
    )
