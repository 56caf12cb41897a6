"""Tests for behavert.train.metrics."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from behavert.io.bouts import mask_runs
from behavert.train.metrics import (
    average_precision,
    bout_recall,
    confusion,
    frame_metrics,
    sequence_metrics,
    smooth_bouts,
)


def test_frame_metrics_values_and_ignore():
    y_true = np.array([0, 0, 1, 1, 2, -100])
    y_pred = np.array([0, 1, 1, 1, 2, 0])
    m = frame_metrics(y_true, y_pred, names=["a", "b", "c"])
    assert m["n_frames"] == 5
    assert m["accuracy"] == pytest.approx(0.8)
    assert m["f1/a"] == pytest.approx(2 / 3)
    assert m["f1/b"] == pytest.approx(0.8)
    assert m["f1/c"] == pytest.approx(1.0)
    assert m["macro_f1"] == pytest.approx((2 / 3 + 0.8 + 1) / 3)
    json.dumps(m)  # plain floats
    assert all(type(v) is float for v in m.values())


def test_frame_metrics_average_precision():
    y_true = np.array([0, 0, 1, 1])
    probs = np.array([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.2, 0.8]])
    m = frame_metrics(y_true, probs.argmax(1), probabilities=probs)
    assert m["ap/0"] == pytest.approx(1.0)
    assert m["ap/1"] == pytest.approx(1.0)
    assert m["mean_ap"] == pytest.approx(1.0)
    bad = average_precision(
        np.array([[1, 0], [0, 0]]), np.array([[0.1, 0.2], [0.9, 0.1]])
    )
    assert bad["ap/0"] == pytest.approx(0.5)
    assert math.isnan(bad["ap/1"])  # no positive frame
    assert bad["mean_ap"] == pytest.approx(0.5)


def test_confusion_matrix():
    m = confusion([0, 1, 1, 2, -100], [0, 2, 1, 2, 0], n_classes=3)
    assert m == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]


def test_sequence_metrics_binary_and_multiclass():
    m = sequence_metrics(
        [0, 1, 1, 0], np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.9, 0.1]])
    )
    assert m["accuracy"] == pytest.approx(0.75)
    assert m["roc_auc"] == pytest.approx(1.0)
    probs = np.eye(3)[[0, 1, 2, 2]] * 0.8 + 0.2 / 3
    m3 = sequence_metrics([0, 1, 2, 1], probs)
    assert m3["accuracy"] == pytest.approx(0.75)
    assert 0.5 < m3["roc_auc"] <= 1.0
    one = sequence_metrics([1, 1], np.array([[0.2, 0.8], [0.4, 0.6]]))
    assert math.isnan(one["roc_auc"]) and one["accuracy"] == 1.0


def test_bouts_and_bout_recall():
    true = np.array([0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1], bool)
    assert mask_runs(true) == [(1, 5), (7, 9), (10, 11)]
    pred = np.array([0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0], bool)
    r = bout_recall(true, pred)
    assert r == {"bout_recall": 2 / 3, "n_bouts": 3.0, "n_found": 2.0}
    strict = bout_recall(true, pred, min_overlap=0.75)
    assert strict["n_found"] == 0.0
    assert math.isnan(bout_recall(np.zeros(4, bool), pred[:4])["bout_recall"])


def test_smooth_bouts_removes_short_runs():
    pred = np.array([0, 0, 0, 0, 1, 0, 0, 0, 2, 2, 2, 2, 1, 2, 2, 2])
    out = smooth_bouts(pred, min_bout=3)
    np.testing.assert_array_equal(out, [0] * 8 + [2] * 8)
    assert out.dtype == pred.dtype
    mask = np.array([True, True, False, True, True, True, False, False, False])
    smoothed = smooth_bouts(mask, 2)
    assert smoothed.dtype == bool
    np.testing.assert_array_equal(smoothed, [1, 1, 1, 1, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(smooth_bouts(pred, 1), pred)
    # Every remaining run is at least min_bout long.
    rng = np.random.default_rng(0)
    noisy = rng.integers(0, 3, 200)
    runs = np.diff(np.flatnonzero(np.diff(np.r_[-1, smooth_bouts(noisy, 4), -1])))
    assert runs.min() >= 4
