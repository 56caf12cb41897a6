"""Per-frame behaviour, recording groups, embeddings and [CLS] attention.

Each function streams windows of a recording through the model and stitches
them back with `behavert.inference.runner` (one batch of windows exists at a
time; a recording no longer than the window is one unpadded window).
No napari, no files: functions take models and ``Poses`` objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..io.poses import Poses
from .runner import (
    Progress,
    encoder_of,
    features_of,
    is_multi_label,
    iter_batches,
    prepare_model,
    run_on_poses,
    run_stitched,
    window_settings,
)

__all__ = [
    "FramePrediction",
    "attention",
    "embed",
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


def stitched_probabilities(
    model,
    features: np.ndarray,
    window: int,
    stride: int,
    batch_size: int = 16,
    device=None,
    progress: Progress | None = None,
) -> np.ndarray:
    """``(time, class)`` frame probabilities from ``(time, feature)`` features."""
    multi = is_multi_label(model)

    def per_frame(x, mask):
        logits = model(inputs=x, attention_mask=mask).logits
        return torch.sigmoid(logits) if multi else torch.softmax(logits, -1)

    return run_stitched(
        model,
        features,
        per_frame,
        window=window,
        stride=stride,
        batch_size=batch_size,
        device=device,
        progress=progress,
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
    dev = prepare_model(model, device)
    out = []
    with torch.no_grad():
        for batch in iter_batches(features, window, stride, batch_size):
            logits = model(
                inputs=batch["inputs"].to(dev),
                attention_mask=batch["attention_mask"].to(dev),
            ).logits
            out.append(logits.float().cpu())
    return out


def predict_frames(
    model,
    tokenizer,
    poses: Poses,
    *,
    window: int | None = None,
    stride: int | None = None,
    batch_size: int = 16,
    device=None,
    progress: Progress | None = None,
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
    w, s = window_settings(model, window, stride)
    probs = stitched_probabilities(
        model, features_of(tokenizer, poses), w, s, batch_size, device, progress
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
    w, s = window_settings(model, window, stride)
    out = []
    for poses in poses_list:
        features = features_of(tokenizer, poses)
        logits = torch.cat(window_logits(model, features, w, s, batch_size, device))
        out.append(model.recording_probabilities(logits).numpy())
    return np.stack(out).astype(np.float32)


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
    encoder = encoder_of(model)

    def per_frame(x, mask):
        if layer == -1:
            return encoder(inputs=x, attention_mask=mask).last_hidden_state
        out = encoder(inputs=x, attention_mask=mask, output_hidden_states=True)
        return out.hidden_states[layer][:, 1:]

    return run_on_poses(
        encoder,
        tokenizer,
        poses,
        per_frame,
        window=window,
        stride=stride,
        batch_size=batch_size,
        device=device,
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
    encoder = encoder_of(model)

    def per_frame(x, mask):
        att = encoder(inputs=x, attention_mask=mask, output_attentions=True).attentions
        # each (batch, head, 1 + time, 1 + time) -> (batch, time, layer, head)
        cls = torch.stack([a[:, :, 0, 1:] for a in att], dim=1)
        return cls.permute(0, 3, 1, 2)

    stitched = run_on_poses(
        encoder,
        tokenizer,
        poses,
        per_frame,
        window=window,
        stride=stride,
        batch_size=batch_size,
        device=device,
    )
    return np.ascontiguousarray(stitched.transpose(1, 2, 0))
