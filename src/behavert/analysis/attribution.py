"""Feature attributions for a pose window: integrated gradients and group rankings.

`integrated_gradients` takes a plain torch callable (a function from a
``(batch, time, feature)`` tensor to one scalar per batch element, e.g. a
frame or sequence logit picked out of a model), so this module never imports
`behavert.model`; torch is imported inside the function only. The group
functions work on ``(time, feature)`` arrays and the tokenizer's
``feature_groups`` (group name -> feature indices, such as ``"resident/nose"``
or ``"nose-to-nose distance"``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = ["group_attributions", "integrated_gradients", "rank_groups"]


def integrated_gradients(
    fn: Callable[[Any], Any],
    inputs,
    baseline=None,
    steps: int = 32,
    batch: int = 16,
    return_delta: bool = False,
):
    """Integrated gradients (Sundararajan et al., 2017) of a scalar output.

    The path integral from ``baseline`` to ``inputs`` is computed with
    Gauss-Legendre quadrature on ``steps`` nodes (exact when the gradient is
    a polynomial of degree < ``2 * steps - 1`` along the path), so the
    attributions satisfy completeness:
    ``attr.sum() ~= fn(inputs) - fn(baseline)``.

    Parameters
    ----------
    fn
        Torch callable mapping a ``(batch, time, feature)`` float tensor to a
        ``(batch,)`` tensor (one scalar per element, e.g. a chosen logit;
        ``(batch, 1)`` is accepted). Elements of a batch must not interact
        (call the model in eval mode).
    inputs
        ``(time, feature)`` numpy array or torch tensor, one window.
    baseline
        Same shape as ``inputs``; default all zeros.
    steps
        Number of quadrature nodes along the path.
    batch
        Number of path points evaluated per call of ``fn``.
    return_delta
        Also return the completeness error
        ``attr.sum() - (fn(inputs) - fn(baseline))``.

    Returns
    -------
    numpy.ndarray or tuple
        ``(time, feature)`` float64 attributions; with ``return_delta`` a pair
        ``(attributions, delta)``.
    """
    import torch

    if steps < 1 or batch < 1:
        raise ValueError(f"steps ({steps}) and batch ({batch}) must be >= 1")
    x = inputs if torch.is_tensor(inputs) else torch.as_tensor(np.asarray(inputs))
    x = x.detach()
    if not torch.is_floating_point(x):
        x = x.float()
    if x.ndim != 2:
        raise ValueError(f"inputs must be (time, feature); got shape {tuple(x.shape)}")
    if baseline is None:
        b = torch.zeros_like(x)
    else:
        b = (
            baseline
            if torch.is_tensor(baseline)
            else torch.as_tensor(np.asarray(baseline))
        )
        b = b.detach().to(device=x.device, dtype=x.dtype)
        if b.shape != x.shape:
            raise ValueError(
                f"baseline shape {tuple(b.shape)} differs from inputs {tuple(x.shape)}"
            )
    nodes, weights = np.polynomial.legendre.leggauss(steps)
    alphas = (nodes + 1.0) / 2.0  # nodes on [0, 1]
    weights = weights / 2.0
    diff = x - b
    total = torch.zeros(x.shape, dtype=torch.float64, device=x.device)
    for start in range(0, steps, batch):
        a = torch.as_tensor(alphas[start : start + batch], dtype=x.dtype).to(x.device)
        w = torch.as_tensor(weights[start : start + batch], dtype=torch.float64)
        path = (b[None] + a[:, None, None] * diff[None]).requires_grad_(True)
        out = _scalar_outputs(fn(path), len(a))
        (grad,) = torch.autograd.grad(out.sum(), path)
        total += (grad.double() * w.to(x.device)[:, None, None]).sum(dim=0)
    attr = (total * diff.double()).cpu().numpy()
    if not return_delta:
        return attr
    with torch.no_grad():
        ends = _scalar_outputs(fn(torch.stack([x, b])), 2).double().cpu().numpy()
    return attr, float(attr.sum() - (ends[0] - ends[1]))


def _scalar_outputs(out, n: int):
    if out.ndim == 2 and out.shape[1] == 1:
        out = out[:, 0]
    if out.ndim != 1 or out.shape[0] != n:
        raise ValueError(
            "fn must return one scalar per batch element, shape (batch,); "
            f"got {tuple(out.shape)} for a batch of {n}"
        )
    return out


def _frame_rows(n_time: int, frames) -> np.ndarray:
    if frames is None:
        return np.arange(n_time)
    f = np.asarray(frames)
    if f.dtype == bool:
        if f.shape != (n_time,):
            raise ValueError(f"frame mask has shape {f.shape}, expected ({n_time},)")
        return np.flatnonzero(f)
    return f.astype(int).reshape(-1)


def group_attributions(
    attr,
    groups: Mapping[str, Sequence[int]],
    frames=None,
    absolute: bool = True,
    per_feature: bool = False,
) -> pd.Series:
    """Total attribution of each feature group.

    Parameters
    ----------
    attr
        ``(time, feature)`` attributions (e.g. from `integrated_gradients`).
    groups
        Group name -> feature indices (the tokenizer's ``feature_groups``).
    frames
        Frames to include: ``(time,)`` bool mask or int indices; default all.
    absolute
        Sum ``|attr|`` (magnitude ranking); ``False`` sums signed values.
    per_feature
        Divide each group's total by its number of features, so groups with
        many features are not favoured.

    Returns
    -------
    pandas.Series
        Index = group name, name ``"attribution"``, sorted descending (ties
        keep the order of ``groups``).
    """
    a = np.asarray(attr, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"attr must be (time, feature); got shape {a.shape}")
    a = a[_frame_rows(a.shape[0], frames)]
    if absolute:
        a = np.abs(a)
    per_col = np.nansum(a, axis=0)  # (feature,)
    values = {}
    for name, idx in groups.items():
        idx = np.asarray(list(idx), dtype=int)
        if idx.size and (idx.max() >= a.shape[1] or idx.min() < -a.shape[1]):
            raise ValueError(
                f"group {name!r} names feature {idx.max()} but attr has only "
                f"{a.shape[1]} features"
            )
        v = float(per_col[idx].sum()) if idx.size else 0.0
        values[name] = v / idx.size if per_feature and idx.size else v
    out = pd.Series(values, name="attribution", dtype=np.float64)
    return out.sort_values(ascending=False, kind="stable")


def _group_level(name: str, level: str) -> str:
    if level == "group" or "/" not in name:
        return name
    individual, _, part = name.partition("/")
    return part if level == "keypoint" else individual


def rank_groups(
    attr,
    groups: Mapping[str, Sequence[int]],
    frames=None,
    level: Literal["group", "keypoint", "individual"] = "group",
    absolute: bool = True,
    per_feature: bool = False,
    top: int | None = None,
) -> pd.DataFrame:
    """Rank body parts and relations by attribution.

    Parameters
    ----------
    attr, groups, frames, absolute, per_feature
        As in `group_attributions`.
    level
        ``"group"`` ranks the groups as given; ``"keypoint"`` merges
        ``"<individual>/<keypoint>"`` groups over individuals (e.g. both
        animals' ``nose``), ``"individual"`` merges them per animal. Groups
        without ``"/"`` (relations) are kept as they are.
    top
        Keep only the ``top`` best groups.

    Returns
    -------
    pandas.DataFrame
        Index = group (or merged) name; columns ``attribution``, ``share``
        (fraction of the summed attribution of all groups) and ``rank``
        (1 = most important), sorted by rank.
    """
    if level not in ("group", "keypoint", "individual"):
        raise ValueError(f"level must be group, keypoint or individual; got {level!r}")
    merged: dict[str, list[int]] = {}
    for name, idx in groups.items():
        merged.setdefault(_group_level(name, level), []).extend(int(i) for i in idx)
    merged = {k: sorted(set(v)) for k, v in merged.items()}
    series = group_attributions(
        attr, merged, frames=frames, absolute=absolute, per_feature=per_feature
    )
    total = series.abs().sum()
    out = series.to_frame()
    out["share"] = series / total if total > 0 else np.nan
    out["rank"] = np.arange(1, len(out) + 1)
    return out.head(top) if top is not None else out
