"""Why did the model decide that? Frame importance from attention.

Model-level interpretation of a trained BehaVERT (torch). Recordings of any
length are cut into overlapping windows and blended into one value per frame
by `behavert.inference.runner.run_stitched` (hann weights, so a frame counts
most in the windows where it is central).

Frame importance for a SEQUENCE decision (`frame_importance`), per window:

- ``"cls"``: the [CLS] row of one layer's attention (heads averaged), a
  distribution over the window's frames;
- ``"rollout"``: attention rollout (Abnar & Zuidema, 2020): heads averaged,
  identity added for the residual stream, rows renormalised, layers
  multiplied; the [CLS] row over frames, a distribution over the window;
- ``"grad"``: gradient-weighted attention relevance (Chefer et al., 2021) of
  the target class logit: ``R <- R + mean_heads(relu(dlogit/dA * A)) @ R``
  from the identity; the [CLS] row over frames. It is *not* renormalised per
  window, so windows holding no evidence for the target contribute little to
  the recording's curve. This is the measure the synthetic ground-truth test
  uses (see docs/analysis.md).

`frame_neighbourhoods` lists, for FRAME predictions, the frames a frame's
token attends to. `window_importance` is the one implementation of the
attention maths (torch); `behavert.analysis.attention` only scores the
resulting per-frame curves against labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
import torch

from ..analysis.attention import frame_attention_neighbourhood
from ..io.poses import Poses
from .runner import (
    Progress,
    encoder_of,
    features_of,
    prepare_model,
    run_on_poses,
    window_settings,
)

__all__ = [
    "METHODS",
    "frame_importance",
    "frame_neighbourhoods",
    "is_sequence_model",
    "resolve_target",
    "window_importance",
]

METHODS = ("grad", "rollout", "cls")


def is_sequence_model(model) -> bool:
    """True for a ``BehavertForSequenceClassification`` (a recording-level head)."""
    from ..model import BehavertForSequenceClassification

    return isinstance(model, BehavertForSequenceClassification)


def resolve_target(model, target: int | str | None) -> int | None:
    """Class index of ``target`` for a sequence model (None: the predicted one).

    Parameters
    ----------
    model
        A ``BehavertForSequenceClassification``.
    target
        Class index, class name (``model.config.sequence_labels``) or None.

    Raises
    ------
    ValueError
        If the name or index is not a class of the model.
    """
    if target is None:
        return None
    names = list(getattr(model.config, "sequence_labels", []) or [])
    if isinstance(target, str):
        if target not in names:
            raise ValueError(f"target {target!r} is not one of the classes {names}")
        return names.index(target)
    t = int(target)
    if not 0 <= t < max(len(names), 1):
        raise ValueError(f"target {t} is out of range for classes {names}")
    return t


def window_importance(
    attentions: Sequence[torch.Tensor],
    method: str = "rollout",
    grads: Sequence[torch.Tensor] | None = None,
    layer: int = -1,
) -> torch.Tensor:
    """Per-frame importance inside each window of a batch.

    Parameters
    ----------
    attentions
        One ``(batch, head, 1 + time, 1 + time)`` tensor per layer.
    method
        ``"cls"``, ``"rollout"`` or ``"grad"`` (see the module docstring).
    grads
        Gradients of the explained logit with respect to ``attentions``
        (``"grad"`` only).
    layer
        Layer of ``"cls"``.

    Returns
    -------
    torch.Tensor
        ``(batch, time)``: distributions over frames for ``"cls"`` and
        ``"rollout"``; unnormalised non-negative relevance for ``"grad"``.
    """
    if method == "cls":
        row = attentions[layer].mean(1)[:, 0, 1:]
        return row / row.sum(-1, keepdim=True).clamp_min(1e-12)
    n = attentions[0].shape[-1]
    eye = torch.eye(n, dtype=attentions[0].dtype, device=attentions[0].device)
    out = eye.expand(attentions[0].shape[0], n, n)
    if method == "rollout":
        for a in attentions:
            m = a.mean(1) + eye
            out = (m / m.sum(-1, keepdim=True)) @ out
        row = out[:, 0, 1:]
        return row / row.sum(-1, keepdim=True).clamp_min(1e-12)
    if method == "grad":
        if grads is None:
            raise ValueError("method 'grad' needs the attention gradients")
        for a, g in zip(attentions, grads):
            cam = (g * a).clamp_min(0).mean(1)
            out = out + cam @ out
        return out[:, 0, 1:]
    raise ValueError(f"method must be one of {METHODS}; got {method!r}")


def frame_importance(
    model,
    tokenizer,
    poses: Poses,
    *,
    method: Literal["grad", "rollout", "cls"] = "grad",
    target: int | str | None = None,
    contrast: bool = False,
    layer: int = -1,
    window: int | None = None,
    stride: int | None = None,
    batch_size: int = 16,
    device=None,
    progress: Progress | None = None,
) -> np.ndarray:
    """Importance of every frame of a recording for the model's decision.

    Parameters
    ----------
    model
        Any BehaVERT model; ``"grad"`` needs a
        ``BehavertForSequenceClassification`` (its class logit is explained).
    tokenizer
        The model's ``PoseTokenizer``.
    poses
        The recording (any length).
    method
        ``"grad"``, ``"rollout"`` or ``"cls"`` (module docstring).
    target
        ``"grad"``: class index or name whose logit is explained; None
        explains each window's predicted class.
    contrast
        ``"grad"``: explain the target logit minus the mean of the other
        classes' logits (what separates the target from the rest) instead
        of the target logit alone.
    layer
        Layer of ``"cls"``.
    window, stride
        Default: the model config's (``stride`` = half a window). A small
        stride places every frame near the centre of some window.
    batch_size
        Windows per forward pass.
    device
        Torch device (default: where the model is).
    progress
        Called as ``progress(windows_done, windows_total)``.

    Returns
    -------
    numpy.ndarray
        ``(time,)`` float64 non-negative importance (summing to 1 when any is
        positive).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    if method == "grad" and not is_sequence_model(model):
        raise ValueError(
            "method 'grad' explains a sequence-classification logit; this model "
            "has no sequence head (use method='rollout')"
        )
    t_index = resolve_target(model, target) if method == "grad" else None

    def per_frame(x, mask):
        scores = _batch_importance(model, x, mask, method, t_index, contrast, layer)
        return (scores * mask.to(scores.dtype))[..., None]

    result = run_on_poses(
        model,
        tokenizer,
        poses,
        per_frame,
        window=window,
        stride=stride,
        batch_size=batch_size,
        device=device,
        progress=progress,
    )[:, 0].astype(np.float64)
    result = np.clip(np.nan_to_num(result), 0.0, None)
    total = result.sum()
    return result / total if total > 0 else result


def _batch_importance(model, x, mask, method, t_index, contrast, layer):
    """``(batch, window)`` importance of one batch of windows."""
    if method != "grad":
        att = encoder_of(model)(
            inputs=x, attention_mask=mask, output_attentions=True
        ).attentions
        return window_importance(att, method, layer=layer)
    with torch.enable_grad():
        out = model(inputs=x, attention_mask=mask, output_attentions=True)
        logits = out.logits
        if t_index is None:
            cls = logits.argmax(-1)
        else:
            cls = torch.full_like(logits[:, 0], t_index, dtype=torch.long)
        picked = logits.gather(1, cls[:, None])[:, 0]
        if contrast and logits.shape[1] > 1:
            rest = logits.sum(1) - picked
            picked = picked - rest / (logits.shape[1] - 1)
        grads = torch.autograd.grad(picked.sum(), out.attentions)
    return window_importance([a.detach() for a in out.attentions], "grad", grads)


def _central_window(frame: int, n: int, w: int) -> int:
    """Start of the window of ``w`` frames centred on ``frame`` (clipped)."""
    return int(np.clip(frame - w // 2, 0, max(n - w, 0)))


def frame_neighbourhoods(
    model,
    tokenizer,
    poses: Poses,
    frames: Sequence[int],
    *,
    layer: int = -1,
    head: int | None = None,
    k: int | None = 10,
    window: int | None = None,
    device=None,
) -> pd.DataFrame:
    """Frames that each query frame's token attends to (for frame predictions).

    Each query frame is explained in a window centred on it (clipped at the
    recording's ends), so it sees context on both sides.

    Parameters
    ----------
    model
        Any BehaVERT model (typically a ``BehavertForFrameClassification``).
    tokenizer
        Its ``PoseTokenizer``.
    poses
        The recording.
    frames
        Query frames (indices ``0 .. time - 1``).
    layer, head
        Attention layer; head None averages the heads.
    k
        Frames listed per query (None: the whole window).
    window
        Default: the model config's window.

    Returns
    -------
    pandas.DataFrame
        Columns ``query``, ``frame`` (absolute index), ``offset`` (``frame -
        query``) and ``weight`` (attention renormalised over the window's
        frames, [CLS] excluded), sorted by query then descending weight.
    """
    dev = prepare_model(model, device)
    encoder = encoder_of(model)
    features = features_of(tokenizer, poses)
    n = len(features)
    w = min(window_settings(model, window, None)[0], n)
    tables = []
    for q in frames:
        q = int(q)
        if not 0 <= q < n:
            raise IndexError(f"frame {q} is outside the recording of {n} frames")
        start = _central_window(q, n, w)
        x = torch.from_numpy(features[start : start + w][None]).to(dev)
        with torch.no_grad():
            att = encoder(inputs=x, output_attentions=True).attentions
        maps = [a[0] for a in att]
        table = frame_attention_neighbourhood(maps, q - start, layer, k, head)
        table["frame"] += start
        table.insert(0, "query", q)
        tables.append(table)
    if not tables:
        return pd.DataFrame(columns=["query", "frame", "offset", "weight"])
    return pd.concat(tables, ignore_index=True)
