"""Tests for behavert.analysis.attention on hand-made attention maps."""

from __future__ import annotations

import numpy as np
import pytest

from behavert.analysis.attention import (
    as_attention,
    attention_enrichment,
    attention_share,
    enrichment_by_label,
    frame_attention_neighbourhood,
)


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
