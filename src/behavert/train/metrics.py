"""Evaluation metrics for frame and sequence classification (numpy + scikit-learn).

Every function returns plain Python floats / lists / dicts so that results can
be written to JSON (``meta.json``) and shown in napari unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    f1_score,
    roc_auc_score,
)

from ..io.bouts import mask_runs

__all__ = [
    "average_precision",
    "bout_recall",
    "confusion",
    "frame_metrics",
    "sequence_metrics",
    "smooth_bouts",
]


def _names(names: Sequence[str] | None, n: int) -> list[str]:
    return [str(x) for x in names] if names is not None else [str(i) for i in range(n)]


def _valid(y_true: np.ndarray, ignore_index: int) -> np.ndarray:
    return np.asarray(y_true).reshape(-1) != ignore_index


def frame_metrics(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    probabilities: np.ndarray | None = None,
    names: Sequence[str] | None = None,
    ignore_index: int = -100,
) -> dict[str, float]:
    """Per-frame accuracy, macro-F1, per-class F1 and (with probabilities) AP.

    Parameters
    ----------
    y_true, y_pred
        ``(time,)`` int class indices; ``y_true == ignore_index`` is skipped.
    probabilities
        ``(time, class)`` scores for average precision, optional.
    names
        Class names (default ``"0"``, ``"1"``, ...).

    Returns
    -------
    dict
        ``accuracy``, ``macro_f1``, ``f1/<name>`` and, with probabilities,
        ``ap/<name>`` and ``mean_ap``. Macro-F1 averages over classes present in
        ``y_true`` or ``y_pred``.
    """
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    keep = _valid(y_true, ignore_index)
    t, p = y_true[keep], y_pred[keep]
    n = (
        len(names)
        if names is not None
        else int(max(t.max(initial=0), p.max(initial=0)) + 1)
    )
    labels = _names(names, n)
    out: dict[str, float] = {"n_frames": float(len(t))}
    if len(t) == 0:
        return out
    out["accuracy"] = float((t == p).mean())
    present = sorted(set(t.tolist()) | set(p.tolist()))
    out["macro_f1"] = float(
        f1_score(t, p, labels=present, average="macro", zero_division=0)
    )
    per = f1_score(t, p, labels=list(range(n)), average=None, zero_division=0)
    for name, value in zip(labels, per):
        out[f"f1/{name}"] = float(value)
    if probabilities is not None:
        probs = np.asarray(probabilities).reshape(len(y_true), -1)[keep]
        onehot = np.eye(probs.shape[1], dtype=bool)[t]
        out.update(average_precision(onehot, probs, names=labels[: probs.shape[1]]))
    return out


def average_precision(
    y_true: np.ndarray, scores: np.ndarray, *, names: Sequence[str] | None = None
) -> dict[str, float]:
    """Average precision per class and their mean over classes with positives.

    Parameters
    ----------
    y_true
        ``(time, class)`` bool/0-1 targets.
    scores
        ``(time, class)`` scores or probabilities.

    Returns
    -------
    dict
        ``ap/<name>`` (NaN where a class has no positive frame) and ``mean_ap``.
    """
    y_true = np.asarray(y_true).astype(bool)
    scores = np.asarray(scores, dtype=np.float64)
    labels = _names(names, scores.shape[1])
    out: dict[str, float] = {}
    aps = []
    for c, name in enumerate(labels):
        if y_true[:, c].any():
            ap = float(average_precision_score(y_true[:, c], scores[:, c]))
            aps.append(ap)
        else:
            ap = float("nan")
        out[f"ap/{name}"] = ap
    out["mean_ap"] = float(np.mean(aps)) if aps else float("nan")
    return out


def confusion(
    y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, ignore_index: int = -100
) -> list[list[int]]:
    """``(true class, predicted class)`` counts as nested lists."""
    y_true = np.asarray(y_true).reshape(-1)
    keep = _valid(y_true, ignore_index)
    m = confusion_matrix(
        y_true[keep],
        np.asarray(y_pred).reshape(-1)[keep],
        labels=list(range(n_classes)),
    )
    return m.astype(int).tolist()


def sequence_metrics(
    y_true: np.ndarray,
    probabilities: np.ndarray,
    *,
    names: Sequence[str] | None = None,
) -> dict[str, float]:
    """Accuracy, macro-F1 and ROC AUC of one prediction per recording.

    Parameters
    ----------
    y_true
        ``(recording,)`` int group indices.
    probabilities
        ``(recording, class)`` probabilities.

    Returns
    -------
    dict
        ``accuracy``, ``macro_f1`` and ``roc_auc`` (binary AUC of class 1, or
        one-vs-rest macro AUC; NaN when only one class is present).
    """
    y_true = np.asarray(y_true).reshape(-1)
    probs = np.asarray(probabilities, dtype=np.float64)
    pred = probs.argmax(axis=1)
    out = {
        "accuracy": float((pred == y_true).mean()),
        "macro_f1": float(f1_score(y_true, pred, average="macro", zero_division=0)),
    }
    present = np.unique(y_true)
    if len(present) < 2:
        out["roc_auc"] = float("nan")
    elif probs.shape[1] == 2:
        out["roc_auc"] = float(roc_auc_score(y_true, probs[:, 1]))
    else:
        p = probs[:, present]
        p = p / np.clip(p.sum(axis=1, keepdims=True), 1e-12, None)
        out["roc_auc"] = float(
            roc_auc_score(y_true, p, multi_class="ovr", labels=present.tolist())
        )
    return out


def bout_recall(
    true: np.ndarray, pred: np.ndarray, *, min_overlap: float = 0.5
) -> dict[str, float]:
    """Share of true bouts that are found.

    A true bout counts as found when at least ``min_overlap`` of its frames are
    predicted positive.

    Parameters
    ----------
    true, pred
        ``(time,)`` bool masks of one behaviour.

    Returns
    -------
    dict
        ``bout_recall`` (NaN without true bouts), ``n_bouts``, ``n_found``.
    """
    true = np.asarray(true, dtype=bool)
    pred = np.asarray(pred, dtype=bool)
    runs = mask_runs(true)
    found = sum(1 for a, b in runs if pred[a:b].mean() >= min_overlap)
    recall = found / len(runs) if runs else float("nan")
    return {
        "bout_recall": float(recall),
        "n_bouts": float(len(runs)),
        "n_found": float(found),
    }


def smooth_bouts(pred: np.ndarray, min_bout: int) -> np.ndarray:
    """Remove bouts shorter than ``min_bout`` frames from a label sequence.

    Each too-short run takes the label of its longer neighbouring run (the
    shortest runs are merged first; ties go to the previous run): the one
    implementation in ``behavert.analysis.motifs.smooth_bouts``, for any label
    dtype.

    Parameters
    ----------
    pred
        ``(time,)`` int (or bool) labels.
    min_bout
        Minimum bout length in frames; ``<= 1`` returns a copy.

    Returns
    -------
    numpy.ndarray
        ``(time,)`` labels of the same dtype.
    """
    from ..analysis.motifs import smooth_bouts as smooth_motifs

    pred = np.asarray(pred)
    if len(pred) == 0:
        return pred.copy()
    return smooth_motifs(pred.astype(np.int64), min_bout).astype(pred.dtype)
