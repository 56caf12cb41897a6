"""The threshold baseline is exact on hand-made scores."""

import numpy as np
import pytest
from sklearn.metrics import f1_score

from behavert.io.poses import Poses
from behavert.train.baselines import fit_threshold, min_distance, predict_threshold


def test_min_distance_on_hand_made_poses():
    pos = np.zeros((2, 2, 2, 2))
    pos[:, 1, 0] = [3.0, 4.0]  # distance 5 from (0, 0)
    pos[:, 1, 1] = [30.0, 40.0]
    pos[1, 1, 0] = np.nan
    poses = Poses(pos, np.ones((2, 2, 2)), ("a", "b"), ("r", "i"))
    np.testing.assert_allclose(min_distance(poses), [5.0, 50.0])


def test_fit_threshold_maximises_f1_by_brute_force():
    rng = np.random.default_rng(0)
    truth = rng.random(500) < 0.2
    score = np.where(truth, rng.normal(2, 1, 500), rng.normal(4, 1, 500))
    th = fit_threshold(score, truth)
    best = max(f1_score(truth, score < c) for c in np.unique(score) + 1e-9)
    assert f1_score(truth, predict_threshold(score, th)) == pytest.approx(best)
    th_above = fit_threshold(-score, truth, below=False)
    assert f1_score(truth, predict_threshold(-score, th_above, below=False)) == (
        pytest.approx(best)
    )
