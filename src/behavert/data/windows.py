"""Fixed-length windows over per-frame features, and stitching them back.

``window_starts`` places windows so the last frame is always covered;
``crop`` / ``stack_windows`` cut padded windows; ``sample_windows`` draws
training windows (``n_grid_windows`` counts an epoch's); ``iter_windows``
streams batches for inference and ``Stitcher`` blends overlapping window
outputs into one prediction per frame.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence

import numpy as np
import torch

__all__ = [
    "Stitcher",
    "crop",
    "iter_windows",
    "n_grid_windows",
    "sample_windows",
    "stack_windows",
    "window_starts",
    "window_weights",
]


def window_starts(n_frames: int, window: int, stride: int) -> np.ndarray:
    """First frame of every window.

    Parameters
    ----------
    n_frames
        Length of the recording.
    window, stride
        Window length and step, in frames.

    Returns
    -------
    np.ndarray
        ``(n_windows,)`` int64 starts; the last window ends at the last frame.
        A recording shorter than ``window`` gives one (padded) window at 0.
    """
    if window < 1 or stride < 1:
        raise ValueError(f"window ({window}) and stride ({stride}) must be >= 1")
    if n_frames < 1:
        raise ValueError(f"cannot window a recording of {n_frames} frames")
    last = max(n_frames - window, 0)
    starts = np.arange(0, last + 1, stride, dtype=np.int64)
    if starts[-1] != last:
        starts = np.append(starts, np.int64(last))
    return starts


def crop(
    array: np.ndarray, start: int, window: int, fill: float = 0.0
) -> tuple[np.ndarray, int]:
    """``array[start:start + window]`` padded with ``fill`` to ``window`` rows.

    Returns
    -------
    tuple
        The ``(window, ...)`` crop (same dtype) and the number of real rows
        (the attention mask is ``np.arange(window) < n``).
    """
    part = array[start : start + window]
    n = len(part)
    if n == window:
        return part, n
    pad = np.full((window - n, *array.shape[1:]), fill, dtype=array.dtype)
    return np.concatenate([part, pad]), n


def stack_windows(
    arrays: Sequence[np.ndarray],
    picks: Sequence[tuple[int, int]],
    window: int,
    fill: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Crop ``(item, start)`` windows of ``arrays`` and stack them.

    Returns
    -------
    tuple of numpy.ndarray
        ``(batch, window, ...)`` crops padded with ``fill``, and the
        ``(batch, window)`` bool mask of real rows.
    """
    crops, valid = [], []
    for item, start in picks:
        part, n = crop(arrays[item], start, window, fill)
        crops.append(part)
        valid.append(np.arange(window) < n)
    return np.stack(crops), np.stack(valid)


def sample_windows(
    lengths: Sequence[int], window: int, stride: int, n: int, generator: torch.Generator
) -> list[tuple[int, int]]:
    """Draw ``n`` ``(item, start)`` windows: uniform over the stride grid, jittered.

    ``lengths`` are the items' lengths; each start is a grid start plus a
    random shift below ``stride``, kept inside the item. The grid is built once
    per ``(lengths, window, stride)`` (a training run draws from the same one
    at every step).
    """
    items, starts = _grid(tuple(int(L) for L in lengths), window, stride)
    picks = torch.randint(len(items), (n,), generator=generator).numpy()
    jitter = torch.randint(stride, (n,), generator=generator).numpy()
    item = items[picks]
    last = np.maximum(0, np.asarray(lengths, dtype=np.int64)[item] - window)
    start = np.minimum(starts[picks] + jitter, last)
    return list(zip(item.tolist(), start.tolist()))


@functools.lru_cache(maxsize=8)
def _grid(lengths: tuple[int, ...], window: int, stride: int):
    """``(items, starts)`` int64 arrays of every grid window of every item."""
    per = [window_starts(L, window, stride) for L in lengths]
    items = np.repeat(np.arange(len(per), dtype=np.int64), [len(s) for s in per])
    return items, np.concatenate(per)


def n_grid_windows(lengths: Sequence[int], window: int, stride: int) -> int:
    """Number of windows on the stride grid of all items (one epoch)."""
    return sum(len(window_starts(L, window, stride)) for L in lengths)


def iter_windows(
    features: np.ndarray, window: int, stride: int, batch_size: int
) -> Iterator[dict]:
    """Stream batches of windows of one recording (memory ~ window * batch).

    Parameters
    ----------
    features
        ``(time, feature)`` array (may be a memory map).
    window, stride, batch_size
        Window length, step and windows per batch.

    Yields
    ------
    dict
        ``inputs (batch, window, feature)`` float32 tensor, ``attention_mask
        (batch, window)`` int64 tensor and ``starts (batch,)`` int64 array.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    starts = window_starts(features.shape[0], window, stride)
    for i in range(0, len(starts), batch_size):
        chunk = starts[i : i + batch_size]
        inputs, valid = stack_windows([features], [(0, int(s)) for s in chunk], window)
        yield {
            "inputs": torch.from_numpy(inputs.astype(np.float32)),
            "attention_mask": torch.from_numpy(valid.astype(np.int64)),
            "starts": chunk,
        }


def window_weights(window: int, profile: str = "hann") -> np.ndarray:
    """``(window,)`` positive weights that de-emphasise window edges.

    ``profile`` is ``"hann"`` (raised cosine, never exactly 0),
    ``"triangular"`` or ``"uniform"``.
    """
    position = (np.arange(window) + 0.5) / window
    if profile == "hann":
        return 0.5 - 0.5 * np.cos(2 * np.pi * position) + 1e-3
    if profile == "triangular":
        return 1.0 - np.abs(2 * position - 1) + 1e-3
    if profile == "uniform":
        return np.ones(window)
    raise ValueError(f"unknown weight profile {profile!r}")


class Stitcher:
    """Blend overlapping window outputs into one ``(time, n_outputs)`` array.

    Each frame's result is the weighted mean of the outputs of the windows that
    contain it (weights sum to 1 per frame). Padding positions are dropped.

    Parameters
    ----------
    n_frames, n_outputs
        Shape of the stitched result.
    profile
        Weight profile over a window (see ``window_weights``).
    """

    def __init__(self, n_frames: int, n_outputs: int, profile: str = "hann") -> None:
        self.n_frames = int(n_frames)
        self.profile = profile
        self._sum = np.zeros((self.n_frames, int(n_outputs)), dtype=np.float64)
        self._weight = np.zeros(self.n_frames, dtype=np.float64)

    def add(self, start: int, outputs) -> None:
        """Accumulate ``(window, n_outputs)`` outputs of the window at ``start``."""
        outputs = np.asarray(
            outputs.detach().cpu() if isinstance(outputs, torch.Tensor) else outputs,
            dtype=np.float64,
        )
        n = min(outputs.shape[0], self.n_frames - start)
        weights = window_weights(outputs.shape[0], self.profile)[:n]
        self._sum[start : start + n] += weights[:, None] * outputs[:n]
        self._weight[start : start + n] += weights

    def add_batch(self, starts, outputs) -> None:
        """Accumulate ``(batch, window, n_outputs)`` outputs at ``starts (batch,)``."""
        for start, out in zip(starts, outputs):
            self.add(int(start), out)

    @property
    def covered(self) -> np.ndarray:
        """``(time,)`` bool: frames that received at least one window."""
        return self._weight > 0

    def result(self) -> np.ndarray:
        """``(time, n_outputs)`` float32 stitched outputs (NaN where uncovered)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            out = self._sum / self._weight[:, None]
        out[~self.covered] = np.nan
        return out.astype(np.float32)
