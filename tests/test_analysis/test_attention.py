"""Tests for behavert.analysis.attention on hand-made attention maps."""

from __future__ import annotations

import numpy as np
import pytest

from behavert.analysis.attention import (
    as_attention,
    attention_enrichment,
    attention_rollout,
    attention_share,
    cls_attention,
    cls_frame_scores,
    enrichment_by_label,
    frame_attention_neighbourhood,
    grad_attention,
)


def _two_layer_maps() -> np.ndarray:
    """Two layers, one head, 3 frames (4 tokens).

    Layer 0: frame 0's token attends to frame 2, others to themselves.
    Layer 1: [CLS] attends to frame 0, others to themselves.
    """
    a = np.zeros((2, 1, 4, 4))
    a[0, 0] = np.eye(4)
    a[0, 0, 1] = [0, 0, 0, 1]
    a[1, 0] = np.eye(4)
    a[1, 0, 0] = [0, 1, 0, 0]
    return a


def test_cls_attention_excludes_cls_and_renormalises():
    a = np.zeros((1, 2, 4, 4)) + 0.25
    a[0, 0, 0] = [0.5, 0.25, 0.25, 0.0]
    a[0, 1, 0] = [0.0, 0.0, 0.0, 1.0]
    np.testing.assert_allclose(cls_attention(a, head=0), [0.5, 0.5, 0.0])
    # head mean over frames: [0.125, 0.125, 0.5] -> renormalised
    np.testing.assert_allclose(cls_attention(a), [1 / 6, 1 / 6, 2 / 3])
    everything = cls_attention(a, layer="all")
    assert everything.shape == (1, 2, 3)
    np.testing.assert_allclose(everything.sum(axis=-1), 1.0)
    assert cls_attention(a, layer="all", head=1).shape == (1, 3)


def test_rollout_known_answer_with_and_without_residual():
    a = _two_layer_maps()
    np.testing.assert_allclose(attention_rollout(a, add_residual=False), [0, 0, 1])
    np.testing.assert_allclose(attention_rollout(a), [0.5, 0.0, 0.5])
    # the last layer alone only sees frame 0
    np.testing.assert_allclose(cls_attention(a), [1, 0, 0])


def test_rollout_accepts_a_sequence_of_layers():
    a = _two_layer_maps()
    np.testing.assert_allclose(attention_rollout([a[0], a[1]]), [0.5, 0.0, 0.5])


def test_grad_attention_known_answers():
    a = _two_layer_maps()
    np.testing.assert_allclose(grad_attention(a, np.ones_like(a)), [0.5, 0.0, 0.5])
    grads = np.ones_like(a)
    grads[0] = -1.0  # layer 0 relevance clipped away: only layer 1 remains
    np.testing.assert_allclose(grad_attention(a, grads), [1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="does not match"):
        grad_attention(a, np.ones((1, 1, 4, 4)))


def test_frame_neighbourhood_ranks_attended_frames():
    a = np.zeros((1, 1, 5, 5))
    a[0, 0] = np.eye(5)
    a[0, 0, 2] = [0.2, 0.1, 0.0, 0.5, 0.2]  # frame 1 -> frames 2 > 3 > 0
    nb = frame_attention_neighbourhood(a, frame=1, k=2)
    assert nb["frame"].tolist() == [2, 3]
    assert nb["offset"].tolist() == [1, 2]
    np.testing.assert_allclose(nb["weight"], [0.625, 0.25])
    assert len(frame_attention_neighbourhood(a, frame=-1, k=None)) == 4
    with pytest.raises(IndexError):
        frame_attention_neighbourhood(a, frame=4)


def test_share_and_enrichment():
    w = np.array([0.4, 0.4, 0.1, 0.1, np.nan])
    mask = np.array([True, False, False, False, True])
    assert attention_share(w, mask) == pytest.approx(0.4)
    # the NaN frame is left out: mask covers 1 of 4 scored frames
    assert attention_enrichment(w, mask) == pytest.approx(1.6)
    assert np.isnan(attention_enrichment(w, np.zeros(5, bool)))
    table = enrichment_by_label(w, [0, 0, 1, 1, -100], names=["a", "b"])
    assert table.index.tolist() == ["a", "b"]
    assert table.loc["a", "enrichment"] == pytest.approx(1.6)


def test_as_attention_rejects_bad_shapes():
    with pytest.raises(ValueError, match="square"):
        as_attention(np.zeros((1, 1, 3, 4)))


def test_cls_frame_scores_from_stitched_rows():
    rows = np.zeros((2, 2, 4))
    rows[-1, 0] = [0.1, 0.3, 0.0, np.nan]
    rows[-1, 1] = [0.3, 0.1, 0.0, np.nan]
    scores = cls_frame_scores(rows)
    np.testing.assert_allclose(scores[:3], [0.5, 0.5, 0.0])
    assert np.isnan(scores[3])
    np.testing.assert_allclose(cls_frame_scores(rows, head=0)[:3], [0.25, 0.75, 0])
    assert np.isnan(cls_frame_scores(rows, layer=0)).all()
    with pytest.raises(ValueError, match="layer, head, time"):
        cls_frame_scores(np.zeros((2, 3)))
