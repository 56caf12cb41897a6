"""Which inputs drove a sequence decision: integrated gradients over a recording.

`sequence_attributions` integrates gradients of a sequence logit with respect
to the tokenizer's features and ranks the tokenizer's ``feature_groups``
(body parts, relations such as ``"nose-to-nose distance"``); the integration
itself is `behavert.analysis.attribution.integrated_gradients`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ..analysis.attribution import integrated_gradients, rank_groups
from ..data.windows import window_starts
from ..io.poses import Poses
from .importance import is_sequence_model, resolve_target
from .runner import Progress, features_of, prepare_model, window_settings

__all__ = [
    "RecordingAttribution",
    "group_kinds",
    "rank_feature_groups",
    "sequence_attributions",
]


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
    progress: Progress | None = None,
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
    if not is_sequence_model(model):
        raise ValueError("sequence_attributions needs a sequence-classification model")
    t_index = resolve_target(model, target)
    dev = prepare_model(model, device)
    features = features_of(tokenizer, poses)
    n = len(features)
    w, _ = window_settings(model, window, None)
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
