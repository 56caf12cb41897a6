"""The random-forest baseline: features on hand-made poses, fit on synthetic data."""

import numpy as np
import pytest

from behavert.io.poses import Poses
from behavert.train.forest import base_features, fit_forest, pose_features


def _two_mice(n=6, gap=None):
    pos = np.zeros((n, 2, 3, 2))
    pos[:, 0, :, 0] = [[-1.0, 0.0, 1.0]]  # a faces -x (away), centroid (0, 0)
    pos[:, 1, :, 0] = [[9.0, 10.0, 11.0]]  # b faces -x (towards a), centroid (10, 0)
    pos[:, 1, :, 0] += np.arange(n)[:, None]  # b walks away at 1 unit/frame
    if gap is not None:
        pos[gap, 1] = np.nan
    return Poses(pos, np.ones((n, 2, 3)), ("nose", "mid", "tail"), ("a", "b"))


def test_base_features_distances_speeds_and_facing():
    x, names = base_features(_two_mice())
    col = {n: x[:, i] for i, n in enumerate(names)}
    np.testing.assert_allclose(col["a-b.centroid_distance"], 10 + np.arange(6))
    np.testing.assert_allclose(col["a.nose-b.nose"], 10 + np.arange(6))
    np.testing.assert_allclose(col["b.speed"], [0, 1, 1, 1, 1, 1])
    np.testing.assert_allclose(col["a.speed"], 0)
    np.testing.assert_allclose(col["a->b.facing"], np.pi)  # a looks away
    np.testing.assert_allclose(col["b->a.facing"], 0, atol=1e-12)  # b looks at a
    np.testing.assert_allclose(col["a.length"], 2)


def test_pose_features_fill_gaps_and_add_windows():
    poses = _two_mice(20, gap=3)
    x, names = pose_features(poses, windows=(3, 5))
    n_base = len(base_features(poses)[1])
    assert x.shape == (20, n_base * 5) and len(names) == x.shape[1]
    assert np.isfinite(x).all() and x.dtype == np.float32
    assert "a-b.centroid_distance.mean5" in names


def test_forest_learns_a_synthetic_distance_rule():
    rng = np.random.default_rng(0)
    n = 600
    near = np.arange(n // 30) % 2 == 0
    gap = np.repeat(np.where(near, rng.uniform(2, 5, n // 30), 25.0), 30)
    pos = np.zeros((n, 2, 3, 2))
    pos[:, 0, :, 0] = [[1.0, 0.0, -1.0]]
    pos[:, 1, :, 0] = gap[:, None] + np.array([[0.0, 1.0, 2.0]])
    pos += rng.normal(0, 0.05, pos.shape)
    poses = Poses(pos, np.ones((n, 2, 3)), ("nose", "mid", "tail"), ("a", "b"))
    y = (gap < 10).astype(np.int64)
    y_masked = y.copy()
    y_masked[:60] = -100  # unlabelled frames are left out
    train = poses.select_frames(slice(0, 400))
    model = fit_forest([train], [y_masked[:400]], n_estimators=20, windows=(5,))
    prob = model.predict_proba(poses.select_frames(slice(400, None)))
    assert prob.shape == (200, 2) and list(model.classes) == [0, 1]
    acc = ((prob[:, 1] > 0.5) == y[400:]).mean()
    assert acc > 0.9


def test_fit_forest_rejects_bad_labels():
    poses = _two_mice(10)
    with pytest.raises(ValueError, match="labels for 10 frames"):
        fit_forest([poses], [np.zeros(9)])
    with pytest.raises(ValueError, match="only class"):
        fit_forest([poses], [np.zeros(10)])
    with pytest.raises(ValueError, match="recordings"):
        fit_forest([poses], [])
