"""Streaming inference: per-frame behaviour, recording groups, embeddings, attention.

Recordings of any length are cut into overlapping windows that are fed to the
model ``batch_size`` at a time; per-frame outputs of overlapping windows are
averaged with weights that favour window centres (frames near a window edge see
less context). Only one batch of windows, ``(batch, window, feature)``, exists
at a time, never ``(n_windows, window, feature)`` for the whole recording.
A recording no longer than the window is one unpadded window.

No napari, no files: functions take models and ``Poses`` objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .io.poses import Poses
from .train.device import pick_device

__all__ = [
    "FramePrediction",
    "attention",
    "embed",
    "iter_batches",
    "predict_frames",
    "predict_sequences",
    "stitched_probabilities",
    "window_logits",
]


@dataclass(frozen=True, eq=False)
class FramePrediction:
    """Per-frame behaviour prediction of one recording.

    Attributes
    ----------
    probabilities
        ``(time, class)`` float32 class probabilities (softmax, or independent
        sigmoids for a multi-label model).
    labels
        ``(time,)`` int64 most probable class per frame.
    names
        Class names, one per ``class`` index.
    """

    probabilities: np.ndarray
    labels: np.ndarray
    names: tuple[str, ...]


def iter_batches(
    features: np.ndarray, window: int, stride: int, batch_size: int
) -> Iterator[dict]:
    """Stream batches of windows (``data.windows.iter_windows``).

    The window is shortened to the recording when the recording is shorter,
    so a short clip is one unpadded window. Yields dicts with ``inputs
    (batch, window, feature)``, ``attention_mask (batch, window)`` and
    ``starts (batch,)``; only one batch exists at a time.
    """
    from .data.windows import iter_windows

    w = min(int(window), len(features))
    yield from iter_windows(features, w, stride, batch_size)


def _device_of(model) -> torch.device:
    try:
        return next(model.parameters()).device
    except StopIteration:  # pragma: no cover
        return torch.device("cpu")


def _prepare(model, device) -> torch.device:
    dev = pick_device(device) if device is not None else _device_of(model)
    model.to(dev)
    model.eval()
    return dev


def _stitch(
    model,
    features: np.ndarray,
    window: int,
    stride: int,
    batch_size: int,
    per_frame: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    device=None,
    progress: Callable[[int, int], Any] | None = None,
) -> np.ndarray:
    """Weighted mean over windows of ``per_frame(x, mask) -> (batch, window, ...)``.

    Returns ``(time, ...)`` float32 (``data.windows.Stitcher``, hann weights).
    """
    from .data.windows import Stitcher, window_starts

    dev = _prepare(model, device)
    n = len(features)
    total = len(window_starts(n, min(window, n), stride))
    stitcher, tail = None, ()
    done = 0
    with torch.no_grad():
        for batch in iter_batches(features, window, stride, batch_size):
            x = batch["inputs"].to(dev)
            out = per_frame(x, batch["attention_mask"].to(dev)).float().cpu()
            if stitcher is None:
                tail = tuple(out.shape[2:])
                stitcher = Stitcher(n, int(np.prod(tail, dtype=np.int64)))
            stitcher.add_batch(batch["starts"], out.reshape(*out.shape[:2], -1))
            done += len(batch["starts"])
            if progress is not None:
                progress(done, total)
    return stitcher.result().reshape(n, *tail)


def _is_multi(model) -> bool:
    return bool(getattr(model.config, "multi_label", False))


def stitched_probabilities(
    model,
    features: np.ndarray,
    window: int,
    stride: int,
    batch_size: int = 16,
    device=None,
    progress=None,
) -> np.ndarray:
    """``(time, class)`` frame probabilities from ``(time, feature)`` features."""
    multi = _is_multi(model)

    def per_frame(x, mask):
        logits = model(inputs=x, attention_mask=mask).logits
        return torch.sigmoid(logits) if multi else torch.softmax(logits, -1)

    return _stitch(
        model, features, window, stride, batch_size, per_frame, device, progress
    )


def window_logits(
    model,
    features: np.ndarray,
    window: int,
    stride: int,
    batch_size: int = 16,
    device=None,
) -> list[torch.Tensor]:
    """Sequence-head logits of every window, as ``(batch, class)`` CPU tensors."""
    dev = _prepare(model, device)
    out = []
    with torch.no_grad():
        for batch in iter_batches(features, window, stride, batch_size):
            logits = model(
                inputs=batch["inputs"].to(dev),
                attention_mask=batch["attention_mask"].to(dev),
            ).logits
            out.append(logits.float().cpu())
    return out


def _features(tokenizer, poses: Poses) -> np.ndarray:
    tokenizer.check_compatible(poses)  # raises SkeletonMismatchError
    return np.asarray(tokenizer.transform(poses), dtype=np.float32)


def _window(model, window, stride) -> tuple[int, int]:
    w = int(window or getattr(model.config, "window", 0) or 64)
    s = int(stride or getattr(model.config, "stride", 0) or max(1, w // 2))
    return w, s


def predict_frames(
    model,
    tokenizer,
    poses: Poses,
    *,
    window: int | None = None,
    stride: int | None = None,
    batch_size: int = 16,
    device=None,
    progress: Callable[[int, int], Any] | None = None,
) -> FramePrediction:
    """Predict the behaviour of every frame of a recording.

    Parameters
    ----------
    model
        A ``BehavertForFrameClassification``.
    tokenizer
        The ``PoseTokenizer`` the model was trained with.
    poses
        The recording (any length).
    window, stride
        Default: the model config's ``window`` and ``stride``.
    batch_size
        Windows per forward pass (bounds memory).
    device
        Torch device (default: where the model is); the model is moved there.
    progress
        Called as ``progress(windows_done, windows_total)``.

    Returns
    -------
    FramePrediction

    Raises
    ------
    behavert.errors.SkeletonMismatchError
        When ``poses`` do not have the tokenizer's keypoints / individuals.
    """
    names = tuple(getattr(model.config, "frame_labels", []) or [])
    if not names:
        raise ValueError("predict_frames needs a frame-classification model")
    w, s = _window(model, window, stride)
    probs = stitched_probabilities(
        model, _features(tokenizer, poses), w, s, batch_size, device, progress
    )
    return FramePrediction(probs, probs.argmax(axis=1).astype(np.int64), names)


def predict_sequences(
    model,
    tokenizer,
    poses_list: Sequence[Poses],
    *,
    window: int | None = None,
    stride: int | None = None,
    batch_size: int = 16,
    device=None,
) -> np.ndarray:
    """Group probabilities per recording, aggregated over its windows.

    The mean of window probabilities, or the recording-level calibration that
    ``finetune_sequences`` fits (``model.recording_probabilities``).

    Returns
    -------
    numpy.ndarray
        ``(recording, class)`` float32; class order ``model.config.sequence_labels``.
    """
    w, s = _window(model, window, stride)
    out = []
    for poses in poses_list:
        logits = torch.cat(
            window_logits(model, _features(tokenizer, poses), w, s, batch_size, device)
        )
        out.append(model.recording_probabilities(logits).numpy())
    return np.stack(out).astype(np.float32)


def _encoder(model):
    return getattr(model, "behavert", model)


def embed(
    model,
    tokenizer,
    poses: Poses,
    layer: int = -1,
    *,
    window: int | None = None,
    stride: int | None = None,
    batch_size: int = 16,
    device=None,
) -> np.ndarray:
    """Per-frame embeddings: the hidden states of ``layer``, stitched.

    Returns
    -------
    numpy.ndarray
        ``(time, hidden)`` float32 (``layer=-1``: final layer; 0: embeddings).
    """
    encoder = _encoder(model)
    w, s = _window(model, window, stride)

    def per_frame(x, mask):
        if layer == -1:
            return encoder(inputs=x, attention_mask=mask).last_hidden_state
        out = encoder(inputs=x, attention_mask=mask, output_hidden_states=True)
        return out.hidden_states[layer][:, 1:]

    return _stitch(
        encoder, _features(tokenizer, poses), w, s, batch_size, per_frame, device
    )


def attention(
    model,
    tokenizer,
    poses: Poses,
    *,
    window: int | None = None,
    stride: int | None = None,
    batch_size: int = 16,
    device=None,
) -> np.ndarray:
    """How much the [CLS] token attends to every frame, per layer and head.

    Computed with eager attention and stitched over windows.

    Returns
    -------
    numpy.ndarray
        ``(layer, head, time)`` float32.
    """
    encoder = _encoder(model)
    w, s = _window(model, window, stride)

    def per_frame(x, mask):
        att = encoder(inputs=x, attention_mask=mask, output_attentions=True).attentions
        # each (batch, head, 1 + time, 1 + time) -> (batch, time, layer, head)
        cls = torch.stack([a[:, :, 0, 1:] for a in att], dim=1)
        return cls.permute(0, 3, 1, 2)

    stitched = _stitch(
        encoder, _features(tokenizer, poses), w, s, batch_size, per_frame, device
    )
    return np.ascontiguousarray(stitched.transpose(1, 2, 0))
