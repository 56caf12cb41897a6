"""Attention on arrays (numpy, no model): neighbourhoods and label enrichment.

Attention maps come per window as ``(layer, head, 1 + time, 1 + time)`` arrays
(eager attention, every row sums to 1); token 0 is [CLS] and token ``1 + t`` is
frame ``t``. The attention maths that turns maps into a per-frame importance
(CLS, rollout, gradient-weighted) has one home, the torch
`behavert.inference.importance.window_importance`; here per-frame curves are
scored against labels (`attention_share`, `attention_enrichment`,
`enrichment_by_label`) and one frame's row is listed
(`frame_attention_neighbourhood`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "as_attention",
    "attention_enrichment",
    "attention_share",
    "enrichment_by_label",
    "frame_attention_neighbourhood",
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
