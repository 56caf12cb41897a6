"""Bouts: runs of equal values along the frame axis (the one implementation).

A bout is a half-open frame range ``[start, stop)``. Label files (BORIS,
CBA), training splits, metrics, motif statistics and the napari annotation
dock all describe behaviour as bouts and convert with these functions.
"""

from __future__ import annotations

import numpy as np

__all__ = ["mask_runs", "value_runs"]


def value_runs(values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of equal consecutive values.

    Parameters
    ----------
    values
        ``(time,)`` array of labels (any dtype that supports ``!=``).

    Returns
    -------
    tuple of numpy.ndarray
        ``(value, start, stop)`` of every run, in time order; ``stop`` is
        exclusive. Empty arrays for an empty input.
    """
    y = np.asarray(values).reshape(-1)
    if y.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return y[:0], empty, empty
    change = np.flatnonzero(y[1:] != y[:-1]) + 1
    starts = np.concatenate([[0], change]).astype(np.int64)
    stops = np.concatenate([change, [y.size]]).astype(np.int64)
    return y[starts], starts, stops


def mask_runs(mask) -> list[tuple[int, int]]:
    """``(start, stop)`` of the runs of True in a ``(time,)`` bool mask."""
    m = np.concatenate([[0], np.asarray(mask, dtype=np.int8).reshape(-1), [0]])
    d = np.diff(m)
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))
