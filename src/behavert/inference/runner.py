"""Windowed execution: run a model over windows of a recording of any length.

The one public home of the steps every per-frame computation shares:

1. `prepare_model` moves a model to its device and into eval mode;
2. `features_of` turns ``Poses`` into ``(time, feature)`` float32 features
   with the model's tokenizer (the skeleton is checked first);
3. `window_settings` resolves window and stride from the arguments or the
   model's ``BehavertConfig`` (its only home);
4. `iter_batches` streams ``batch_size`` windows at a time (never all windows
   of the recording at once);
5. `run_stitched` blends per-window, per-frame outputs into one value per
   frame with `behavert.data.windows.Stitcher` (hann weights: frames near a
   window's edge, which see less context, count less).

Prediction, embedding, attention, frame importance and training's validation
are all built on these (`behavert.inference.predict`,
`behavert.inference.importance`). No napari, no files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch

from ..data.windows import Stitcher, iter_windows, window_starts
from ..io.poses import Poses
from ..model.device import pick_device

__all__ = [
    "Progress",
    "encoder_of",
    "features_of",
    "is_multi_label",
    "iter_batches",
    "n_windows",
    "prepare_model",
    "run_on_poses",
    "run_stitched",
    "window_settings",
]

Progress = Callable[[int, int], Any]
"""``progress(windows_done, windows_total)``."""


def encoder_of(model):
    """The ``BehavertModel`` encoder of a head model (or the encoder itself)."""
    return getattr(model, "behavert", model)


def is_multi_label(model) -> bool:
    """True for a frame model with independent sigmoid outputs."""
    return bool(getattr(model.config, "multi_label", False))


def prepare_model(model, device=None) -> torch.device:
    """Move ``model`` to ``device`` (default: where it is) in eval mode.

    Returns
    -------
    torch.device
        The device its inputs must go to.
    """
    if device is not None:
        dev = pick_device(device)
    else:
        try:
            dev = next(model.parameters()).device
        except StopIteration:  # pragma: no cover - a model without weights
            dev = torch.device("cpu")
    model.to(dev)
    model.eval()
    return dev


def features_of(tokenizer, poses: Poses) -> np.ndarray:
    """``(time, feature)`` float32 C-contiguous features of a recording.

    Raises
    ------
    behavert.errors.SkeletonMismatchError
        When ``poses`` do not have the tokenizer's keypoints / individuals.
    """
    tokenizer.check_compatible(poses)
    return np.ascontiguousarray(tokenizer.transform(poses), dtype=np.float32)


def window_settings(model, window=None, stride=None) -> tuple[int, int]:
    """``(window, stride)``: the arguments, else the model config's.

    ``BehavertConfig`` always holds both, so there is no hidden default. A
    window given without a stride keeps the config's stride when it fits the
    window, else half the window.
    """
    config = model.config
    w = int(window or config.window)
    s = int(stride or 0)
    if s < 1:
        s = int(config.stride) if int(config.stride) <= w else max(1, w // 2)
    return w, s


def n_windows(n_frames: int, window: int, stride: int) -> int:
    """Windows `iter_batches` yields for a recording of ``n_frames``."""
    return len(window_starts(n_frames, min(int(window), n_frames), stride))


def iter_batches(
    features: np.ndarray, window: int, stride: int, batch_size: int
) -> Iterator[dict]:
    """Stream batches of windows (`behavert.data.windows.iter_windows`).

    The window is shortened to the recording when the recording is shorter,
    so a short clip is one unpadded window. Yields dicts with ``inputs
    (batch, window, feature)``, ``attention_mask (batch, window)`` and
    ``starts (batch,)``; only one batch exists at a time.
    """
    w = min(int(window), len(features))
    yield from iter_windows(features, w, stride, batch_size)


def run_stitched(
    model,
    features: np.ndarray,
    per_frame: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    window: int,
    stride: int,
    batch_size: int = 16,
    device=None,
    progress: Progress | None = None,
) -> np.ndarray:
    """Weighted mean over windows of ``per_frame(x, mask) -> (batch, window, ...)``.

    Parameters
    ----------
    model
        Moved to ``device`` and put in eval mode (`prepare_model`).
    features
        ``(time, feature)`` features of one recording.
    per_frame
        Called under ``torch.no_grad()`` with ``x (batch, window, feature)``
        and ``mask (batch, window)`` on the device (it may re-enable
        gradients itself); returns ``(batch, window, ...)``.
    window, stride, batch_size
        Window length and step (frames) and windows per forward pass.
    device, progress
        Torch device; ``progress(windows_done, windows_total)``.

    Returns
    -------
    numpy.ndarray
        ``(time, ...)`` float32 (NaN for frames no window covered).
    """
    dev = prepare_model(model, device)
    n = len(features)
    total = n_windows(n, window, stride)
    stitcher, tail, done = None, (), 0
    with torch.no_grad():
        for batch in iter_batches(features, window, stride, batch_size):
            x = batch["inputs"].to(dev)
            out = per_frame(x, batch["attention_mask"].to(dev))
            out = out.detach().float().cpu()
            if stitcher is None:
                tail = tuple(out.shape[2:])
                stitcher = Stitcher(n, int(np.prod(tail, dtype=np.int64)))
            stitcher.add_batch(batch["starts"], out.reshape(*out.shape[:2], -1))
            done += len(batch["starts"])
            if progress is not None:
                progress(done, total)
    return stitcher.result().reshape(n, *tail)


def run_on_poses(
    model,
    tokenizer,
    poses: Poses,
    per_frame: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    window: int | None = None,
    stride: int | None = None,
    batch_size: int = 16,
    device=None,
    progress: Progress | None = None,
) -> np.ndarray:
    """`run_stitched` over a recording: its features, the model's window settings.

    ``window`` / ``stride`` default to ``model``'s config (`window_settings`);
    the rest is as in `run_stitched`. Returns ``(time, ...)`` float32.
    """
    w, s = window_settings(model, window, stride)
    return run_stitched(
        model,
        features_of(tokenizer, poses),
        per_frame,
        window=w,
        stride=s,
        batch_size=batch_size,
        device=device,
        progress=progress,
    )
