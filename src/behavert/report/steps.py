"""The analysis as steps: models and recordings in, arrays out.

`behavert.report.analyze_runs` chains every step; the napari Analyze dock
calls only those its layers need (`recording_importance` for an attention
layer, `embed_recordings` and `cluster_motifs` for a motif layer).

- `embed_recordings`: final-layer frame tokens of each recording;
- `cluster_motifs`: one clustering of the tokens of all recordings (PCA with
  16 components, then KMeans with k by the best silhouette over 2..12, a
  Gaussian mixture by minimal BIC, or HDBSCAN), so motif numbers mean the
  same thing in every recording; bouts shorter than ``min_bout`` frames are
  merged into their neighbours;
- `name_motifs`: names the motifs after the behaviours they match best;
- `map_tokens`: the 2-D PCA map of the tokens;
- `recording_importance`: `behavert.inference.frame_importance` (>= 0, sums
  to 1: it is never renormalised downstream);
- `recording_attribution`: integrated-gradient feature groups;
- `prediction_columns`: the frame model's behaviour, class probabilities
  and uncertainty as named per-frame columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import (
    cluster_embeddings,
    match_motifs_to_labels,
    pca_map,
    smooth_bouts,
)
from ..io.poses import Poses

__all__ = [
    "Motifs",
    "cluster_motifs",
    "embed_recordings",
    "label_array",
    "map_tokens",
    "name_motifs",
    "prediction_columns",
    "recording_attribution",
    "recording_importance",
]


@dataclass
class Motifs:
    """Motifs of several recordings from one clustering.

    Attributes
    ----------
    labels
        Per recording, ``(time,)`` int motif of each frame (-1 = none), bouts
        shorter than ``min_bout`` merged.
    names
        Name of every motif, by motif number.
    info
        ``clustering``, ``criterion``, ``n_motifs``, ``k_scores``,
        ``min_bout``, ``motif_names_from`` (and, once named from labels,
        ``ari`` and ``matched_accuracy``).
    recording_ari
        Per recording, the ARI of its motifs with its labels (None until
        `name_motifs`).
    """

    labels: list[np.ndarray]
    names: list[str]
    info: dict = field(default_factory=dict)
    recording_ari: list[float] | None = None


def embed_recordings(
    model,
    tokenizer,
    poses_list: Sequence[Poses],
    *,
    stride: int | None = None,
    tick: Callable[[], Any] | None = None,
) -> list[np.ndarray]:
    """``(time, hidden)`` final-layer tokens of each recording (stitched)."""
    from ..inference import embed

    tokens = []
    for poses in poses_list:
        tokens.append(embed(model, tokenizer, poses, stride=stride))
        if tick is not None:
            tick()
    return tokens


def _cuts(tokens: Sequence[np.ndarray]) -> np.ndarray:
    return np.cumsum([len(t) for t in tokens])[:-1]


def cluster_motifs(
    tokens: Sequence[np.ndarray],
    *,
    method: str = "kmeans",
    n_motifs: int | None = None,
    min_bout: int = 5,
    seed: int = 0,
) -> Motifs:
    """Cluster the tokens of all recordings jointly into motifs (module rule)."""
    clusters = cluster_embeddings(
        np.concatenate(tokens), method=method, n_clusters=n_motifs, seed=seed
    )
    raw = np.split(clusters.labels, _cuts(tokens))
    k = clusters.n_clusters
    info = {
        "clustering": method,
        "criterion": clusters.criterion,
        "n_motifs": k,
        "k_scores": {int(a): float(b) for a, b in clusters.scores.items()},
        "min_bout": int(min_bout),
        "motif_names_from": "numbers",
    }
    return Motifs(
        [smooth_bouts(r, min_bout) for r in raw],
        [f"motif {m}" for m in range(k)],
        info,
    )


def map_tokens(tokens: Sequence[np.ndarray], *, seed: int = 0) -> list[np.ndarray]:
    """``(time, 2)`` PCA map of each recording's tokens (one map for all)."""
    return np.split(pca_map(np.concatenate(tokens), seed=seed), _cuts(tokens))


def label_array(labels: Any, n_frames: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """``(time,)`` int labels and names from FrameLabels or ``(array, names)``."""
    from ..io.labels import FrameLabels, class_names_with_background, to_class_indices

    if isinstance(labels, FrameLabels):
        y, names = to_class_indices(labels), class_names_with_background(labels)
    else:
        y, names = labels
        y = np.asarray(y, dtype=np.int64)
        names = tuple(names)
    if len(y) != n_frames:
        raise ValueError(f"{len(y)} labels for a recording of {n_frames} frames")
    return y, names


def name_motifs(motifs: Motifs, labels: Sequence[Any]) -> Motifs:
    """Name each motif after the behaviour it matches best (Hungarian).

    Parameters
    ----------
    motifs
        From `cluster_motifs`.
    labels
        Per recording, ``FrameLabels`` or ``(labels (time,), names)``.

    Returns
    -------
    Motifs
        With the names, ``info`` ``ari`` / ``matched_accuracy`` over all
        recordings and ``recording_ari`` per recording.
    """
    parsed = [label_array(lab, len(m)) for lab, m in zip(labels, motifs.labels)]
    match = match_motifs_to_labels(
        np.concatenate(motifs.labels),
        np.concatenate([y for y, _ in parsed]),
        parsed[0][1],
    )
    names = list(motifs.names)
    for m, behaviour in match.mapping.items():
        names[int(m)] = str(behaviour)
    info = dict(
        motifs.info,
        motif_names_from="labels",
        ari=match.ari,
        matched_accuracy=match.accuracy,
    )
    per = [match_motifs_to_labels(m, y).ari for m, (y, _) in zip(motifs.labels, parsed)]
    return Motifs(motifs.labels, names, info, per)


def recording_importance(
    model,
    tokenizer,
    poses: Poses,
    *,
    method: str | None = None,
    target: int | str | None = None,
    stride: int | None = None,
) -> tuple[np.ndarray, str]:
    """Frame importance of one recording and the method used.

    ``method`` defaults to ``"grad"`` for a sequence classifier, else
    ``"rollout"``. The importance is `behavert.inference.frame_importance`'s
    as is: ``(time,)``, >= 0, summing to 1.
    """
    from ..inference import frame_importance, is_sequence_model

    method = method or ("grad" if is_sequence_model(model) else "rollout")
    scores = frame_importance(
        model, tokenizer, poses, method=method, target=target, stride=stride
    )
    return scores, method


def recording_attribution(
    model, tokenizer, poses: Poses, *, target: int | str | None = None
) -> pd.DataFrame | None:
    """Ranked feature groups of a sequence classifier (None for other models)."""
    from ..inference import is_sequence_model, sequence_attributions

    if not is_sequence_model(model):
        return None
    return sequence_attributions(model, tokenizer, poses, target=target).groups


def prediction_columns(
    classes: Sequence[str], labels: np.ndarray, probabilities: np.ndarray
) -> dict[str, np.ndarray]:
    """Per-frame columns of a frame prediction.

    Returns
    -------
    dict
        ``behaviour`` (class name of ``labels``), ``p_<class>`` for every
        class in ``classes`` order and ``uncertainty`` (1 - the largest
        probability).
    """
    names = np.asarray([str(c) for c in classes], dtype=object)
    probabilities = np.asarray(probabilities)
    columns = {"behaviour": names[np.asarray(labels)]}
    for j, name in enumerate(names):
        columns[f"p_{name}"] = probabilities[:, j]
    columns["uncertainty"] = 1.0 - probabilities.max(axis=1)
    return columns
