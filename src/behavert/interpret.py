"""Why did the model decide that? Frame importance and input attributions.

Model-level interpretation of a trained BehaVERT (torch; the array maths lives
in `behavert.analysis`). Recordings of any length are cut into overlapping
windows like `behavert.inference`; per-window results are blended into one
value per frame with `behavert.data.windows.Stitcher` (hann weights, so a
frame counts most in the windows where it is central).

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
token attends to; `sequence_attributions` integrates gradients of the
sequence logit with respect to the tokenizer's features and ranks the
tokenizer's ``feature_groups`` (body parts, relations such as
``"nose-to-nose distance"``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch

from .analysis.attention import frame_attention_neighbourhood
from .analysis.attribution import integrated_gradients, rank_groups
from .data.windows import Stitcher, window_starts
from .inference import _encoder, _features, _prepare, _window, iter_batches
from .io.poses import Poses

__all__ = [
    "METHODS",
    "RecordingAttribution",
    "frame_importance",
    "frame_neighbourhoods",
    "group_kinds",
    "rank_feature_groups",
    "resolve_target",
    "sequence_attributions",
    "window_importance",
]

METHODS = ("grad", "rollout", "cls")


def _is_sequence_model(model) -> bool:
    from .model import BehavertForSequenceClassification

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
    progress: Callable[[int, int], Any] | None = None,
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
    if method == "grad" and not _is_sequence_model(model):
        raise ValueError(
            "method 'grad' explains a sequence-classification logit; this model "
            "has no sequence head (use method='rollout')"
        )
    t_index = resolve_target(model, target) if method == "grad" else None
    dev = _prepare(model, device)
    encoder = _encoder(model)
    features = _features(tokenizer, poses)
    w, s = _window(model, window, stride)
    n = len(features)
    total = len(window_starts(n, min(w, n), s))
    stitcher, done = Stitcher(n, 1), 0
    for batch in iter_batches(features, w, s, batch_size):
        x = batch["inputs"].to(dev)
        mask = batch["attention_mask"].to(dev)
        if method == "grad":
            with torch.enable_grad():
                out = model(inputs=x, attention_mask=mask, output_attentions=True)
                logits = out.logits
                cls = (
                    logits.argmax(-1)
                    if t_index is None
                    else torch.full_like(logits[:, 0], t_index, dtype=torch.long)
                )
                picked = logits.gather(1, cls[:, None])[:, 0]
                if contrast and logits.shape[1] > 1:
                    rest = logits.sum(1) - picked
                    picked = picked - rest / (logits.shape[1] - 1)
                picked = picked.sum()
                grads = torch.autograd.grad(picked, out.attentions)
            scores = window_importance(
                [a.detach() for a in out.attentions], "grad", grads
            )
        else:
            with torch.no_grad():
                att = encoder(
                    inputs=x, attention_mask=mask, output_attentions=True
                ).attentions
            scores = window_importance(att, method, layer=layer)
        scores = scores * mask.to(scores.dtype)
        stitcher.add_batch(batch["starts"], scores.detach().cpu()[..., None])
        done += len(batch["starts"])
        if progress is not None:
            progress(done, total)
    result = stitcher.result()[:, 0].astype(np.float64)
    result = np.clip(np.nan_to_num(result), 0.0, None)
    s_total = result.sum()
    return result / s_total if s_total > 0 else result


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
    dev = _prepare(model, device)
    encoder = _encoder(model)
    features = _features(tokenizer, poses)
    n = len(features)
    w = min(_window(model, window, None)[0], n)
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


def group_kinds(tokenizer) -> dict[str, str]:
    """Kind of every feature group of a tokenizer.

    Returns
    -------
    dict
        Group name -> ``"body part"`` (``"<individual>/<keypoint>"``),
        ``"individual"``, ``"pair"`` (``"<a>-<b>"``: all relations of a
        pair), ``"relation"`` (a relation kind such as ``"nose-to-nose
        distance"``: every feature belongs to a pair) or ``"feature"``
        (another kind, e.g. ``"centre speed"``).
    """
    groups = tokenizer.feature_groups
    individuals = list(tokenizer.skeleton["individuals"])
    pairs = {
        f"{a}-{b}" for i, a in enumerate(individuals) for b in individuals[i + 1 :]
    }
    pair_features = {int(j) for p in pairs if p in groups for j in groups[p]}
    kinds = {}
    for name, idx in groups.items():
        if "/" in name:
            kinds[name] = "body part"
        elif name in individuals:
            kinds[name] = "individual"
        elif name in pairs:
            kinds[name] = "pair"
        elif idx and {int(j) for j in idx} <= pair_features:
            kinds[name] = "relation"
        else:
            kinds[name] = "feature"
    return kinds


@dataclass
class RecordingAttribution:
    """Integrated-gradient attributions of a sequence decision, one recording.

    Attributes
    ----------
    per_feature
        ``(feature,)`` summed ``|attribution|`` over the explained windows.
    per_frame
        ``(time,)`` summed ``|attribution|`` over features (NaN for frames in
        no explained window).
    groups
        DataFrame indexed by group: ``kind`` (see `group_kinds`),
        ``attribution`` (mean, or sum, of the group's features' summed
        ``|attribution|``, see `rank_feature_groups`), ``share`` (of its kind's
        total) and ``rank`` (1 = first within its kind), sorted by kind then
        rank.
    target
        Explained class index per window ``(window,)``.
    starts
        ``(window,)`` first frame of each explained window.
    delta
        Largest completeness error ``|sum(attr) - (f(x) - f(baseline))|``.
    """

    per_feature: np.ndarray
    per_frame: np.ndarray
    groups: pd.DataFrame
    target: np.ndarray
    starts: np.ndarray
    delta: float

    def ranking(self, kind: str = "relation") -> pd.DataFrame:
        """Groups of one kind (``"relation"``, ``"body part"``, ...) by rank."""
        return self.groups[self.groups["kind"] == kind].sort_values("rank")


def rank_feature_groups(
    per_feature: np.ndarray, tokenizer, per_feature_mean: bool = True
) -> pd.DataFrame:
    """Rank the tokenizer's feature groups within each kind.

    Parameters
    ----------
    per_feature
        ``(feature,)`` non-negative attribution totals.
    tokenizer
        The ``PoseTokenizer`` (its ``feature_groups``).
    per_feature_mean
        Rank by the mean over a group's features (default; groups hold 1 to
        ~60 features, and a sum would mostly rank group size) instead of
        the sum.

    Returns
    -------
    pandas.DataFrame
        As `RecordingAttribution.groups`.
    """
    groups, kinds = tokenizer.feature_groups, group_kinds(tokenizer)
    tables = []
    for kind in ("relation", "body part", "feature", "individual", "pair"):
        chosen = {g: idx for g, idx in groups.items() if kinds[g] == kind}
        if not chosen:
            continue
        table = rank_groups(
            np.asarray(per_feature, dtype=np.float64)[None],
            chosen,
            per_feature=per_feature_mean,
        )
        table.insert(0, "kind", kind)
        tables.append(table)
    out = pd.concat(tables)
    out.index.name = "group"
    return out


def sequence_attributions(
    model,
    tokenizer,
    poses: Poses,
    *,
    target: int | str | None = None,
    steps: int = 16,
    window: int | None = None,
    stride: int | None = None,
    max_windows: int | None = 64,
    per_feature_mean: bool = True,
    device=None,
    progress: Callable[[int, int], Any] | None = None,
) -> RecordingAttribution:
    """Integrated gradients of a sequence logit, aggregated over a recording.

    Each explained window's class logit is integrated from an all-zero
    baseline (zero is the median frame after the tokenizer's robust
    scaling) to the window's features (`behavert.analysis.integrated_gradients`,
    ``steps`` Gauss-Legendre nodes); ``|attribution|`` is summed over windows
    and frames per feature and ranked by `feature_groups` (by the mean over
    a group's features, unless ``per_feature_mean=False``).

    Parameters
    ----------
    model
        A ``BehavertForSequenceClassification``.
    tokenizer, poses
        Its tokenizer and the recording.
    target
        Class index or name; None explains each window's predicted class.
    steps
        Quadrature nodes along the path.
    window, stride
        Default: the model's window, and ``stride = window`` (no overlap).
    max_windows
        Explain at most this many windows, evenly spread (None: all).
    per_feature_mean
        Rank groups by their mean feature attribution (default) instead of
        the sum.
    device, progress
        As in `frame_importance`.

    Returns
    -------
    RecordingAttribution
    """
    if not _is_sequence_model(model):
        raise ValueError("sequence_attributions needs a sequence-classification model")
    t_index = resolve_target(model, target)
    dev = _prepare(model, device)
    features = _features(tokenizer, poses)
    n = len(features)
    w, _ = _window(model, window, None)
    w = min(w, n)
    starts = window_starts(n, w, int(stride or w))
    if max_windows is not None and len(starts) > max_windows:
        pick = np.unique(np.linspace(0, len(starts) - 1, int(max_windows)).round())
        starts = starts[pick.astype(int)]
    per_feature = np.zeros(features.shape[1])
    per_frame = np.zeros(n)
    covered = np.zeros(n, dtype=bool)
    targets, delta = [], 0.0
    for i, s in enumerate(starts):
        x = torch.from_numpy(features[s : s + w]).to(dev)
        with torch.no_grad():
            logits = model(inputs=x[None]).logits[0]
        cls = int(logits.argmax()) if t_index is None else t_index
        targets.append(cls)

        def fn(path, cls=cls):
            return model(inputs=path).logits[:, cls]

        attr, err = integrated_gradients(fn, x, steps=steps, return_delta=True)
        delta = max(delta, abs(err))
        a = np.abs(attr)
        per_feature += a.sum(axis=0)
        per_frame[s : s + w] += a.sum(axis=1)
        covered[s : s + w] = True
        if progress is not None:
            progress(i + 1, len(starts))
    per_frame[~covered] = np.nan
    return RecordingAttribution(
        per_feature=per_feature,
        per_frame=per_frame,
        groups=rank_feature_groups(per_feature, tokenizer, per_feature_mean),
        target=np.asarray(targets, dtype=np.int64),
        starts=np.asarray(starts, dtype=np.int64),
        delta=float(delta),
    )
