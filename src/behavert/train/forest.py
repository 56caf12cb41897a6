"""A SimBA-style random-forest baseline on hand-crafted pose features.

What many labs use today (SimBA, JAABA-like pipelines): per-frame features
computed from the poses — distances between the animals' keypoints, body
angles, speeds — smoothed by rolling means and standard deviations over
several windows, fed to a scikit-learn ``RandomForestClassifier`` with
``class_weight="balanced"``. No torch: numpy, pandas and scikit-learn only.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..io.poses import Poses

DEFAULT_WINDOWS = (5, 15, 45)


def _angle(v: np.ndarray) -> np.ndarray:
    return np.arctan2(v[..., 1], v[..., 0])


def _wrap(a: np.ndarray) -> np.ndarray:
    return (a + np.pi) % (2 * np.pi) - np.pi


def base_features(poses: Poses) -> tuple[np.ndarray, list[str]]:
    """Per-frame pose features before rolling windows.

    For every individual: centroid speed, each keypoint's speed, the body
    length (first to last keypoint), the heading (first keypoint relative to
    the centroid) turning rate. For every pair of individuals: all
    keypoint-to-keypoint distances, centroid distance and its rate of change,
    and the angle between each animal's heading and the direction to the
    other. Positions are 2D (the first two space coordinates).

    Parameters
    ----------
    poses
        ``position (time, individual, keypoint, space)``.

    Returns
    -------
    features : numpy.ndarray
        ``(time, feature)`` float64, NaN where a keypoint is missing.
    names : list of str
        One name per feature column.
    """
    pos = np.asarray(poses.position, dtype=np.float64)[..., :2]
    n_t, n_i, n_k, _ = pos.shape
    ids, kps = list(poses.individuals), list(poses.keypoints)
    cols, names = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN frames
        centroid = np.nanmean(pos, axis=2)  # (time, individual, 2)
    vel = np.diff(pos, axis=0, prepend=pos[:1])
    speed = np.sqrt((vel**2).sum(-1))  # (time, individual, keypoint)
    cvel = np.diff(centroid, axis=0, prepend=centroid[:1])
    heading = _angle(pos[:, :, 0] - centroid)  # (time, individual)
    turn = np.abs(_wrap(np.diff(heading, axis=0, prepend=heading[:1])))
    for i in range(n_i):
        cols.append(np.sqrt((cvel[:, i] ** 2).sum(-1)))
        names.append(f"{ids[i]}.speed")
        for k in range(n_k):
            cols.append(speed[:, i, k])
            names.append(f"{ids[i]}.{kps[k]}.speed")
        cols.append(np.sqrt(((pos[:, i, 0] - pos[:, i, -1]) ** 2).sum(-1)))
        names.append(f"{ids[i]}.length")
        cols.append(turn[:, i])
        names.append(f"{ids[i]}.turn")
    for i in range(n_i):
        for j in range(i + 1, n_i):
            d = pos[:, i, :, None, :] - pos[:, j, None, :, :]
            dist = np.sqrt((d**2).sum(-1)).reshape(n_t, -1)
            cols += list(dist.T)
            names += [f"{ids[i]}.{a}-{ids[j]}.{b}" for a in kps for b in kps]
            cc = np.sqrt(((centroid[:, i] - centroid[:, j]) ** 2).sum(-1))
            cols.append(cc)
            names.append(f"{ids[i]}-{ids[j]}.centroid_distance")
            cols.append(np.diff(cc, prepend=cc[:1]))
            names.append(f"{ids[i]}-{ids[j]}.approach")
            to_j = _angle(centroid[:, j] - centroid[:, i])
            to_i = _angle(centroid[:, i] - centroid[:, j])
            cols.append(np.abs(_wrap(heading[:, i] - to_j)))
            names.append(f"{ids[i]}->{ids[j]}.facing")
            cols.append(np.abs(_wrap(heading[:, j] - to_i)))
            names.append(f"{ids[j]}->{ids[i]}.facing")
    return np.stack(cols, axis=1), names


def pose_features(
    poses: Poses, windows: Sequence[int] = DEFAULT_WINDOWS
) -> tuple[np.ndarray, list[str]]:
    """Base features plus centred rolling means and standard deviations.

    Parameters
    ----------
    poses
        The recording.
    windows
        Rolling-window lengths in frames.

    Returns
    -------
    features : numpy.ndarray
        ``(time, feature)`` float32 without NaN (gaps interpolated in time,
        then filled with 0).
    names : list of str
    """
    import pandas as pd

    base, names = base_features(poses)
    frame = pd.DataFrame(base).interpolate(limit_direction="both").fillna(0.0)
    parts, out_names = [frame.to_numpy()], list(names)
    for w in windows:
        roll = frame.rolling(int(w), center=True, min_periods=1)
        parts += [roll.mean().to_numpy(), roll.std().fillna(0.0).to_numpy()]
        out_names += [f"{n}.mean{w}" for n in names] + [f"{n}.std{w}" for n in names]
    return np.concatenate(parts, axis=1).astype(np.float32), out_names


@dataclass
class ForestModel:
    """A fitted forest and the feature settings it was trained with."""

    forest: object
    windows: tuple[int, ...]
    feature_names: list[str] = field(default_factory=list)

    @property
    def classes(self) -> np.ndarray:
        return self.forest.classes_

    def predict_proba(self, poses: Poses) -> np.ndarray:
        """``(time, class)`` class probabilities for one recording."""
        x, _ = pose_features(poses, self.windows)
        return self.forest.predict_proba(x)


def fit_forest(
    poses_list: Sequence[Poses],
    labels_list: Sequence[np.ndarray],
    *,
    windows: Sequence[int] = DEFAULT_WINDOWS,
    n_estimators: int = 200,
    min_samples_leaf: int = 20,
    seed: int = 0,
    n_jobs: int = 1,
) -> ForestModel:
    """Fit a balanced random forest on the labelled frames.

    Parameters
    ----------
    poses_list
        Recordings.
    labels_list
        One ``(time,)`` int (or bool) array per recording; negative values
        (e.g. -100) mark frames without a label, which are left out.
    windows, n_estimators, min_samples_leaf, seed, n_jobs
        Feature windows and ``RandomForestClassifier`` settings.

    Returns
    -------
    ForestModel
    """
    from sklearn.ensemble import RandomForestClassifier

    if len(poses_list) != len(labels_list) or not poses_list:
        raise ValueError(
            f"{len(poses_list)} recordings but {len(labels_list)} label arrays"
        )
    xs, ys, names = [], [], []
    for p, lab in zip(poses_list, labels_list):
        y = np.asarray(lab).astype(np.int64).reshape(-1)
        if len(y) != p.n_frames:
            raise ValueError(
                f"{p.path or 'recording'}: {len(y)} labels for {p.n_frames} frames"
            )
        x, names = pose_features(p, windows)
        keep = y >= 0
        xs.append(x[keep])
        ys.append(y[keep])
    x, y = np.concatenate(xs), np.concatenate(ys)
    if len(np.unique(y)) < 2:
        raise ValueError(f"the labelled frames hold only class(es) {np.unique(y)}")
    forest = RandomForestClassifier(
        n_estimators=n_estimators,
        min_samples_leaf=min_samples_leaf,
        class_weight="balanced",
        random_state=seed,
        n_jobs=n_jobs,
    )
    forest.fit(x, y)
    return ForestModel(forest, tuple(int(w) for w in windows), names)
