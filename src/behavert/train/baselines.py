"""The simplest baselines a scientist would try before a transformer.

``min_distance`` + ``fit_threshold``: call a frame "interacting" when the two
animals' closest keypoints are nearer than one threshold, tuned for F1 on the
training frames.
"""

from __future__ import annotations

import numpy as np

from ..io.poses import Poses


def min_distance(poses: Poses, a: int = 0, b: int = 1) -> np.ndarray:
    """Minimum distance between any keypoint of individual ``a`` and of ``b``.

    Returns
    -------
    numpy.ndarray
        ``(time,)`` distances in the poses' units; NaN where no pair is visible.
    """
    if poses.n_individuals < 2:
        raise ValueError(f"{poses!r} has fewer than two individuals")
    pa = poses.position[:, a, :, None, :]
    pb = poses.position[:, b, None, :, :]
    d = np.sqrt(((pa - pb) ** 2).sum(-1)).reshape(poses.n_frames, -1)
    out = np.full(poses.n_frames, np.nan)
    seen = np.isfinite(d).any(1)
    out[seen] = np.nanmin(d[seen], axis=1)
    return out


def fit_threshold(score: np.ndarray, truth: np.ndarray, *, below: bool = True) -> float:
    """The threshold on ``score`` that maximises F1 of ``truth`` (a bool mask).

    ``below=True`` predicts positive where ``score < threshold``. Every
    distinct score value is tried (exact, vectorised via cumulative counts).
    """
    score = np.asarray(score, dtype=float)
    truth = np.asarray(truth, dtype=bool)
    ok = np.isfinite(score)
    s, t = score[ok], truth[ok]
    if not below:
        s = -s
    order = np.argsort(s, kind="stable")
    s, t = s[order], t[order]
    tp = np.cumsum(t)
    n_pred = np.arange(1, len(s) + 1)
    last = np.r_[s[1:] != s[:-1], True]  # predict positive for all s <= s[i]
    f1 = 2 * tp / (n_pred + t.sum())
    f1 = np.where(last, f1, -1)
    i = int(np.argmax(f1))
    nxt = s[i + 1] if i + 1 < len(s) else s[i] + 1.0
    threshold = (s[i] + nxt) / 2
    return float(threshold if below else -threshold)


def predict_threshold(score: np.ndarray, threshold: float, *, below: bool = True):
    """``(time,)`` bool predictions of a threshold baseline (NaN -> False)."""
    score = np.asarray(score, dtype=float)
    with np.errstate(invalid="ignore"):
        return score < threshold if below else score > threshold
