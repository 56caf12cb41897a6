"""Tests for behavert.analysis.attribution on functions with known answers."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from behavert.analysis.attribution import (  # noqa: E402
    group_attributions,
    integrated_gradients,
    rank_groups,
)


def test_ig_linear_model_is_exact():
    rng = np.random.default_rng(0)
    w = torch.as_tensor(rng.normal(size=(4, 3)), dtype=torch.float32)
    x = rng.normal(size=(4, 3)).astype(np.float32)

    def fn(batch):
        return (batch * w).sum(dim=(1, 2))

    attr = integrated_gradients(fn, x, steps=4, batch=3)
    assert attr.shape == (4, 3)
    np.testing.assert_allclose(attr, x * w.numpy(), rtol=1e-5, atol=1e-6)


def test_ig_quadratic_completeness_and_exact_value():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 2))
    base = rng.normal(size=(5, 2))

    def fn(batch):
        return (batch**2).sum(dim=(1, 2)) + 3 * batch[:, 0, 0]

    attr, delta = integrated_gradients(
        fn, torch.as_tensor(x), baseline=base, steps=8, return_delta=True
    )
    # exact IG of a sum of squares: x^2 - b^2 per entry (+ the linear term)
    expected = x**2 - base**2
    expected[0, 0] += 3 * (x[0, 0] - base[0, 0])
    np.testing.assert_allclose(attr, expected, rtol=1e-9, atol=1e-9)
    assert abs(delta) < 1e-9


def test_ig_rejects_non_scalar_outputs():
    with pytest.raises(ValueError, match="one scalar per batch element"):
        integrated_gradients(lambda b: b.sum(dim=2), np.ones((3, 2)), steps=2)


def test_group_ranking_finds_the_only_group_used():
    groups = {
        "resident/nose": [0, 1],
        "intruder/nose": [2, 3],
        "nose-to-nose distance": [4],
        "resident/tail_base": [5, 6],
    }
    w = torch.zeros(8, 7)
    w[:, 4] = 2.0

    def fn(batch):
        return torch.tanh(batch * w).sum(dim=(1, 2))

    x = np.random.default_rng(2).normal(size=(8, 7))
    attr = integrated_gradients(fn, x, steps=16)
    series = group_attributions(attr, groups)
    assert series.index[0] == "nose-to-nose distance"
    assert series.iloc[1:].abs().max() < 1e-9
    ranks = rank_groups(attr, groups, level="keypoint")
    assert ranks.index[0] == "nose-to-nose distance"
    assert set(ranks.index) == {"nose-to-nose distance", "nose", "tail_base"}
    assert ranks["share"].iloc[0] == pytest.approx(1.0)
    assert ranks["rank"].tolist() == [1, 2, 3]


def test_group_attributions_frames_signed_and_per_feature():
    attr = np.array([[1.0, -3.0, 0.5], [10.0, 10.0, 10.0]])
    groups = {"a": [0, 1], "b": [2]}
    signed = group_attributions(attr, groups, frames=[0], absolute=False)
    assert signed.to_dict() == {"b": 0.5, "a": -2.0}
    mean = group_attributions(
        attr, groups, frames=np.array([True, False]), per_feature=True
    )
    assert mean.to_dict() == {"a": 2.0, "b": 0.5}
    with pytest.raises(ValueError, match="names feature 9"):
        group_attributions(attr, {"c": [9]})
