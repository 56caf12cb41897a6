"""Tests for behavert.analysis.motifs on hand-made sequences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from behavert.analysis.motifs import (
    benjamini_hochberg,
    bout_durations,
    bouts,
    compare_groups,
    match_motifs_to_labels,
    motif_usage,
    smooth_bouts,
    transition_matrix,
)


def test_bouts_table():
    table = bouts([0, 0, 1, 1, 1, 2, 0])
    assert table["label"].tolist() == [0, 1, 2, 0]
    assert table["start"].tolist() == [0, 2, 5, 6]
    assert table["stop"].tolist() == [2, 5, 6, 7]
    assert table["duration"].tolist() == [2, 3, 1, 1]
    assert len(bouts([])) == 0


def test_smooth_bouts_merges_into_longer_neighbour():
    y = np.array([0, 0, 0, 0, 1, 2, 2, 2, 0, 0, 0])
    # the 1-frame bout of 1 joins its longer neighbour (0, four frames)
    np.testing.assert_array_equal(smooth_bouts(y, 2), [0, 0, 0, 0, 0, 2, 2, 2, 0, 0, 0])
    # min_bout 4: the 3-frame bout of 2 is absorbed and the 0s coalesce
    np.testing.assert_array_equal(smooth_bouts(y, 4), np.zeros(11, int))


def test_smooth_bouts_ties_edges_and_identity():
    # a tie goes to the previous bout; a short first bout goes to the next one
    np.testing.assert_array_equal(
        smooth_bouts([3, 1, 1, 2, 2, 2, 2], 2), [1, 1, 1, 2, 2, 2, 2]
    )
    np.testing.assert_array_equal(smooth_bouts([0, 0, 1, 2, 2], 2), [0, 0, 0, 2, 2])
    y = np.array([5, 5, 6])
    np.testing.assert_array_equal(smooth_bouts(y, 1), y)
    np.testing.assert_array_equal(smooth_bouts([4], 10), [4])
    rng = np.random.default_rng(0)
    noisy = rng.integers(0, 4, size=500)
    out = smooth_bouts(noisy, 5)
    assert out.shape == noisy.shape
    assert bouts(out)["duration"].min() >= 5
    np.testing.assert_array_equal(out, smooth_bouts(noisy, 5))


def test_usage_and_durations():
    y = [0, 0, 0, 1, -1, 2, 2, 0]
    np.testing.assert_allclose(motif_usage(y, 4), [4 / 7, 1 / 7, 2 / 7, 0])
    np.testing.assert_allclose(motif_usage(y, 3, by="bouts"), [0.5, 0.25, 0.25])
    with pytest.raises(ValueError, match="out of range"):
        motif_usage(y, 2)
    d = bout_durations(y, n=4, fps=2.0)
    assert d.loc[0, "n_bouts"] == 2
    assert d.loc[0, "mean"] == pytest.approx(1.0)  # (3 + 1) frames / 2 / 2 fps
    assert d.loc[3, "n_bouts"] == 0 and np.isnan(d.loc[3, "mean"])


def test_transition_matrix_bouts_and_frames():
    y = [0, 0, 1, 1, 0, 2, -1, 1]
    t = transition_matrix(y, 3)
    expected = np.array([[0, 0.5, 0.5], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_allclose(t, expected)
    tf = transition_matrix(y, 3, self=True)
    np.testing.assert_allclose(tf[0], [1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_allclose(tf[1], [0.5, 0.5, 0])


def test_compare_groups_finds_planted_difference():
    rng = np.random.default_rng(0)
    n = 8
    usage = pd.DataFrame(
        rng.dirichlet(np.ones(4), size=2 * n),
        index=[f"rec{i}" for i in range(2 * n)],
        columns=["m0", "m1", "m2", "m3"],
    )
    usage.loc[usage.index[:n], "m2"] += 1.0  # planted: group "ko" uses m2 more
    groups = pd.Series(["ko"] * n + ["wt"] * n, index=usage.index)
    res = compare_groups(usage, groups)
    assert res["motif"].tolist() == ["m0", "m1", "m2", "m3"]
    assert {"mean_ko", "mean_wt", "statistic", "p", "p_adjusted"} <= set(res.columns)
    row = res.set_index("motif").loc["m2"]
    assert row["p_adjusted"] < 0.01
    assert row["mean_ko"] > row["mean_wt"]
    assert (res["p_adjusted"] >= res["p"]).all()
    three = compare_groups(usage, pd.Series(["a", "b", "c", "a"] * 4, usage.index))
    assert (three["test"] == "kruskal-wallis").all()


def test_benjamini_hochberg_known_values():
    adj = benjamini_hochberg([0.01, 0.04, 0.03, np.nan, 0.5])
    np.testing.assert_allclose(adj[[0, 1, 2, 4]], [0.04, 0.16 / 3, 0.16 / 3, 0.5])
    assert np.isnan(adj[3])


def test_match_motifs_to_labels_permuted():
    labels = np.array([0] * 10 + [1] * 10 + [2] * 10)
    motifs = np.array([2] * 10 + [0] * 9 + [1] + [1] * 10)
    match = match_motifs_to_labels(motifs, labels, names=["idle", "sniff", "groom"])
    assert match.mapping == {2: "idle", 0: "sniff", 1: "groom"}
    assert match.accuracy == pytest.approx(29 / 30)
    assert 0.8 < match.ari < 1.0
    assert match.contingency.loc[2, "idle"] == 10
    perfect = match_motifs_to_labels(labels + 5, labels)
    assert perfect.ari == pytest.approx(1.0)
