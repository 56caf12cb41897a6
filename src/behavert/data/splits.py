"""Hold out time blocks of recordings for validation (numpy only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..io.bouts import mask_runs

__all__ = ["Segment", "split_segments", "time_block_split"]

Segment = tuple[int, int, int]
"""``(recording, start, stop)``: a stretch of frames of one recording."""


def time_block_split(
    n_frames: int, val_fraction: float, n_blocks: int = 1, gap: int = 64
) -> tuple[np.ndarray, np.ndarray]:
    """Hold out time blocks of a recording for validation.

    The recording is cut into ``n_blocks`` equal parts; the last
    ``val_fraction`` of each part is validation, and ``gap`` frames on both
    sides of every validation block belong to neither set, so no training
    window overlaps a validation frame.

    Returns
    -------
    tuple of numpy.ndarray
        ``(train, val)`` ``(time,)`` bool masks.
    """
    if not 0 <= val_fraction < 1:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    if n_blocks < 1 or gap < 0:
        raise ValueError(f"n_blocks must be >= 1 and gap >= 0, got {n_blocks}, {gap}")
    train = np.ones(n_frames, dtype=bool)
    val = np.zeros(n_frames, dtype=bool)
    if val_fraction == 0 or n_frames == 0:
        return train, val
    edges = np.linspace(0, n_frames, n_blocks + 1).round().astype(int)
    for a, b in zip(edges[:-1], edges[1:]):
        length = max(1, int(round((b - a) * val_fraction)))
        v0 = b - length
        val[v0:b] = True
        train[max(0, v0 - gap) : min(n_frames, b + gap)] = False
    return train, val


def split_segments(
    n_frames: Sequence[int], val_fraction: float, n_blocks: int = 1, gap: int = 64
) -> tuple[list[Segment], list[Segment]]:
    """Training and validation segments of every recording (`time_block_split`).

    Returns
    -------
    tuple of list
        ``(train, val)`` lists of ``(recording, start, stop)``.
    """
    train: list[Segment] = []
    val: list[Segment] = []
    for i, n in enumerate(n_frames):
        tr, va = time_block_split(n, val_fraction, n_blocks, gap=gap)
        train += [(i, a, b) for a, b in mask_runs(tr)]
        val += [(i, a, b) for a, b in mask_runs(va)]
    return train, val
