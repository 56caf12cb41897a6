"""Frame importance from BehaVERT attention maps (numpy on arrays, no model).

Attention maps come per window as ``(layer, head, 1 + time, 1 + time)`` arrays
(eager attention, every row sums to 1); token 0 is [CLS] and token ``1 + t`` is
frame ``t``. Every function here returns plain numpy arrays or floats, so the
napari shell can put them straight into a layer's ``features``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "as_attention",
    "attention_enrichment",
    "attention_rollout",
    "attention_share",
    "cls_attention",
    "cls_frame_scores",
    "enrichment_by_label",
    "frame_attention_neighbourhood",
    "grad_attention",
]


def _to_numpy(x) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch tensor; torch itself is never imported
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def as_attention(attn) -> np.ndarray:
    """Return attention maps as one ``(layer, head, 1 + time, 1 + time)`` array.

    Parameters
    ----------
    attn
        A ``(layer, head, 1 + time, 1 + time)`` array (or tensor), a single
        layer ``(head, 1 + time, 1 + time)``, or a sequence of per-layer
        ``(head, 1 + time, 1 + time)`` arrays (a model's ``attentions`` tuple
        with the batch axis already indexed away).

    Raises
    ------
    ValueError
        If the maps are not square over tokens or hold fewer than 2 tokens.
    """
    if isinstance(attn, Sequence) and not isinstance(attn, np.ndarray):
        arr = np.stack([_to_numpy(a) for a in attn])
    else:
        arr = _to_numpy(attn)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[-1] != arr.shape[-2]:
        raise ValueError(
            "attention must be (layer, head, 1 + time, 1 + time) with square maps; "
            f"got shape {arr.shape}"
        )
    if arr.shape[-1] < 2:
        raise ValueError(f"attention holds no frame tokens (shape {arr.shape})")
    return arr


def _normalise(w: np.ndarray, axis: int = -1) -> np.ndarray:
    total = np.nansum(w, axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, w / np.where(total > 0, total, 1.0), np.nan)


def _row_normalise(m: np.ndarray) -> np.ndarray:
    s = m.sum(axis=-1, keepdims=True)
    return m / np.where(s > 0, s, 1.0)


def cls_attention(
    attn,
    layer: int | Literal["all"] = -1,
    head: int | None = None,
) -> np.ndarray:
    """Attention from [CLS] to every frame, renormalised over frames.

    Parameters
    ----------
    attn
        ``(layer, head, 1 + time, 1 + time)`` attention maps (see `as_attention`).
    layer
        Layer index, or ``"all"`` for every layer.
    head
        Head index; ``None`` averages over heads, except with ``layer="all"``
        where ``None`` keeps every head.

    Returns
    -------
    numpy.ndarray
        ``(time,)`` weights summing to 1; with ``layer="all"`` and
        ``head=None`` a ``(layer, head, time)`` array, with ``layer="all"`` and
        an int head a ``(layer, time)`` array (each row summing to 1).
    """
    a = as_attention(attn)
    rows = a[:, :, 0, 1:]  # (layer, head, time)
    if layer == "all":
        return _normalise(rows if head is None else rows[:, head])
    sel = rows[layer]  # (head, time)
    sel = sel.mean(axis=0) if head is None else sel[head]
    return _normalise(sel)


def cls_frame_scores(
    rows, layer: int | Literal["mean"] = -1, head: int | None = None
) -> np.ndarray:
    """Reduce stitched [CLS] attention rows to one score per frame.

    For the ``(layer, head, time)`` output of ``behavert.inference.attention``
    (the [CLS] row of every layer and head, stitched over windows), where the
    full maps needed by `attention_rollout` are no longer available.

    Parameters
    ----------
    rows
        ``(layer, head, time)`` [CLS]-to-frame attention (NaN where unscored).
    layer
        Layer index, or ``"mean"`` to average over layers.
    head
        Head index; ``None`` averages over heads.

    Returns
    -------
    numpy.ndarray
        ``(time,)`` scores renormalised to sum to 1 over finite frames (NaN
        frames stay NaN).
    """
    r = _to_numpy(rows)
    if r.ndim != 3:
        raise ValueError(f"rows must be (layer, head, time); got shape {r.shape}")
    r = r.mean(axis=0) if layer == "mean" else r[layer]
    r = r.mean(axis=0) if head is None else r[head]
    total = np.nansum(r)
    return r / total if total > 0 else np.full_like(r, np.nan)


def attention_rollout(attn, add_residual: bool = True) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema, 2020) from [CLS] to the frames.

    Per layer the heads are averaged, the identity is added for the residual
    connection (``add_residual``), rows are renormalised, and the layers are
    multiplied from the first to the last: ``R = A_L @ ... @ A_1``.

    Parameters
    ----------
    attn
        ``(layer, head, 1 + time, 1 + time)`` attention maps.
    add_residual
        Add the identity before renormalising (the paper's choice).

    Returns
    -------
    numpy.ndarray
        ``(time,)`` the [CLS] row of the rollout over frame columns,
        renormalised to sum to 1.
    """
    a = as_attention(attn)
    n = a.shape[-1]
    eye = np.eye(n)
    rollout = eye
    for layer_maps in a:
        m = layer_maps.mean(axis=0)
        if add_residual:
            m = m + eye
        rollout = _row_normalise(m) @ rollout
    return _normalise(rollout[0, 1:])


def grad_attention(attn, grads) -> np.ndarray:
    """Gradient-weighted attention relevance (Chefer et al., 2021).

    For each layer ``Ā = mean_heads(relu(grad * attn))`` and the relevance is
    propagated as ``R <- R + Ā @ R`` starting from the identity.

    Parameters
    ----------
    attn
        ``(layer, head, 1 + time, 1 + time)`` attention maps.
    grads
        Gradients of the explained output with respect to those maps, same
        shape as ``attn``.

    Returns
    -------
    numpy.ndarray
        ``(time,)`` the [CLS] row of ``R`` over frame columns, renormalised to
        sum to 1 (NaN everywhere if every gradient-weighted entry is zero).
    """
    a = as_attention(attn)
    g = as_attention(grads)
    if g.shape != a.shape:
        raise ValueError(
            f"grads shape {g.shape} does not match attention shape {a.shape}"
        )
    n = a.shape[-1]
    relevance = np.eye(n)
    for layer_maps, layer_grads in zip(a, g):
        cam = np.clip(layer_grads * layer_maps, 0.0, None).mean(axis=0)
        relevance = relevance + cam @ relevance
    return _normalise(relevance[0, 1:])


def frame_attention_neighbourhood(
    attn,
    frame: int,
    layer: int = -1,
    k: int | None = 10,
    head: int | None = None,
) -> pd.DataFrame:
    """Frames that a given frame's token attends to most.

    Parameters
    ----------
    attn
        ``(layer, head, 1 + time, 1 + time)`` attention maps.
    frame
        Frame index within the window (``0 <= frame < time``; negative counts
        from the end).
    layer
        Layer index.
    k
        Number of frames to return (``None``: all frames).
    head
        Head index; ``None`` averages over heads.

    Returns
    -------
    pandas.DataFrame
        Columns ``frame``, ``offset`` (``frame - query frame``) and ``weight``
        (attention over frame columns, [CLS] excluded, renormalised to sum to 1
        over all frames), sorted by descending weight then frame.
    """
    a = as_attention(attn)
    n_frames = a.shape[-1] - 1
    if not -n_frames <= frame < n_frames:
        raise IndexError(f"frame {frame} is outside a window of {n_frames} frames")
    frame = frame % n_frames
    row = a[layer, :, 1 + frame, 1:]
    row = row.mean(axis=0) if head is None else row[head]
    weights = _normalise(row)
    order = np.lexsort((np.arange(n_frames), -weights))
    if k is not None:
        order = order[: max(int(k), 0)]
    return pd.DataFrame(
        {
            "frame": order.astype(int),
            "offset": (order - frame).astype(int),
            "weight": weights[order],
        }
    )


def attention_share(weights, mask) -> float:
    """Fraction of the total attention that falls on the masked frames.

    Parameters
    ----------
    weights
        ``(time,)`` non-negative frame scores; NaN frames are ignored.
    mask
        ``(time,)`` bool, the frames of interest (e.g. one behaviour).

    Returns
    -------
    float
        ``sum(weights[mask]) / sum(weights)`` over finite weights (NaN if the
        total is 0).
    """
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    m = np.asarray(mask, dtype=bool).reshape(-1)
    if w.shape != m.shape:
        raise ValueError(f"weights {w.shape} and mask {m.shape} differ in length")
    ok = np.isfinite(w)
    total = w[ok].sum()
    if total <= 0:
        return float("nan")
    return float(w[ok & m].sum() / total)


def attention_enrichment(weights, mask) -> float:
    """Attention share on the masked frames divided by their share of frames.

    1 means the masked frames get exactly their share; the acceptance criterion
    "attention on a behaviour's frames >= 3x its share of frames" is
    ``attention_enrichment(...) >= 3``.

    Parameters
    ----------
    weights
        ``(time,)`` frame scores; frames with NaN weight are left out of both
        shares.
    mask
        ``(time,)`` bool.

    Returns
    -------
    float
        The enrichment (NaN if the mask selects no scored frame).
    """
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    m = np.asarray(mask, dtype=bool).reshape(-1)
    share = attention_share(w, m)
    ok = np.isfinite(w)
    frac = m[ok].mean() if ok.any() else 0.0
    if frac == 0:
        return float("nan")
    return float(share / frac)


def enrichment_by_label(
    weights,
    labels,
    names: Sequence[str] | None = None,
    ignore_index: int = -100,
) -> pd.DataFrame:
    """Attention share and enrichment for every label in a frame labelling.

    Parameters
    ----------
    weights
        ``(time,)`` frame scores.
    labels
        ``(time,)`` int labels; ``ignore_index`` frames are left out.
    names
        Label names indexed by label value (default: the value as a string).

    Returns
    -------
    pandas.DataFrame
        Index = label name; columns ``frame_share``, ``attention_share`` and
        ``enrichment``, sorted by descending enrichment.
    """
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    y = np.asarray(labels).reshape(-1)
    if w.shape != y.shape:
        raise ValueError(f"weights {w.shape} and labels {y.shape} differ in length")
    keep = (y != ignore_index) & np.isfinite(w)
    w, y = w[keep], y[keep]
    rows = {}
    for value in np.unique(y):
        mask = y == value
        name = names[int(value)] if names is not None else str(value)
        rows[name] = {
            "frame_share": float(mask.mean()),
            "attention_share": attention_share(w, mask),
            "enrichment": attention_enrichment(w, mask),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    if len(out):
        out = out.sort_values("enrichment", ascending=False, kind="stable")
    return out
