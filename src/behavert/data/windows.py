"""Fixed-length windows over per-frame features, and stitching them back.

``window_starts`` places windows so the last frame is always covered;
``WindowDataset`` serves zero-padded windows for training; ``iter_windows``
streams batches for inference and ``Stitcher`` blends overlapping window
outputs into one prediction per frame.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset


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


def pad_window(
    features: np.ndarray, start: int, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``(window, feature)`` from ``(time, feature)``, zero-padded at the end.

    Returns the window and its ``(window,)`` int64 attention mask (1 = real frame).
    """
    chunk = features[start : start + window]
    n = chunk.shape[0]
    out = np.zeros((window,) + features.shape[1:], dtype=features.dtype)
    out[:n] = chunk
    mask = np.zeros(window, dtype=np.int64)
    mask[:n] = 1
    return out, mask


class WindowDataset(Dataset):
    """Windows over several recordings' features.

    Parameters
    ----------
    features
        One ``(time, feature)`` float array per recording.
    window, stride
        Window length and step (frames).
    frame_labels
        Optional, one per recording: ``(time,)`` int class indices (-100 =
        unlabelled) or ``(time, class)`` float multi-label targets. Padding
        gets -100 (int) or -1 (float, ignored by the model).
    sequence_labels
        Optional, one int class per recording (e.g. genotype).

    Items are dicts: ``inputs (window, feature)`` float32, ``attention_mask
    (window,)`` int64, ``labels`` (frame labels ``(window,)``/``(window,
    class)``, else the sequence label ``()``), ``sequence_labels ()`` when both
    are given, ``recording`` and ``start`` (ints).
    """

    def __init__(
        self,
        features: Sequence[np.ndarray],
        window: int,
        stride: int,
        frame_labels: Sequence[np.ndarray] | None = None,
        sequence_labels: Sequence[int] | None = None,
    ) -> None:
        self.features = [np.asarray(f, dtype=np.float32) for f in features]
        self.window, self.stride = int(window), int(stride)
        given_labels = {
            "frame_labels": frame_labels,
            "sequence_labels": sequence_labels,
        }
        for name, given in given_labels.items():
            if given is not None and len(given) != len(self.features):
                raise ValueError(
                    f"{len(given)} {name} for {len(self.features)} recordings"
                )
        self.frame_labels = None
        if frame_labels is not None:
            self.frame_labels = [np.asarray(y) for y in frame_labels]
            for i, (x, y) in enumerate(zip(self.features, self.frame_labels)):
                if y.shape[0] != x.shape[0]:
                    raise ValueError(
                        f"recording {i}: {y.shape[0]} frame labels for "
                        f"{x.shape[0]} frames"
                    )
        self.sequence_labels = (
            None if sequence_labels is None else [int(s) for s in sequence_labels]
        )
        self.index = [
            (i, int(s))
            for i, x in enumerate(self.features)
            for s in window_starts(x.shape[0], self.window, self.stride)
        ]

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, item: int) -> dict:
        recording, start = self.index[item]
        inputs, mask = pad_window(self.features[recording], start, self.window)
        out = {
            "inputs": torch.from_numpy(inputs),
            "attention_mask": torch.from_numpy(mask),
            "recording": recording,
            "start": start,
        }
        if self.frame_labels is not None:
            y = self.frame_labels[recording][start : start + self.window]
            if np.issubdtype(y.dtype, np.floating):
                labels = np.full((self.window,) + y.shape[1:], -1.0, np.float32)
                labels[: len(y)] = y
            else:
                labels = np.full((self.window,) + y.shape[1:], -100, np.int64)
                labels[: len(y)] = y
            out["labels"] = torch.from_numpy(labels)
            if self.sequence_labels is not None:
                out["sequence_labels"] = torch.tensor(self.sequence_labels[recording])
        elif self.sequence_labels is not None:
            out["labels"] = torch.tensor(self.sequence_labels[recording])
        return out


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
        pairs = [pad_window(features, int(s), window) for s in chunk]
        yield {
            "inputs": torch.from_numpy(
                np.stack([p[0] for p in pairs]).astype(np.float32)
            ),
            "attention_mask": torch.from_numpy(np.stack([p[1] for p in pairs])),
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
