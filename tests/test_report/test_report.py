"""Tests for behavert.report on tiny untrained models and synthetic recordings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from behavert.datasets.synthetic import BEHAVIOURS, generate_synthetic
from behavert.report import (
    AXIS_MEASURES,
    RunsAnalysis,
    analyze_recording,
    analyze_runs,
    axis_carriers,
    write_analysis,
)


@pytest.fixture(scope="module")
def analysis(seq_model, frame_model, tokenizer, synthetic_rec):
    steps = []
    result = analyze_recording(
        seq_model,
        tokenizer,
        synthetic_rec.poses,
        frame_model=frame_model,
        n_motifs=3,
        labels=(synthetic_rec.labels, BEHAVIOURS),
        progress=lambda d, t: steps.append((d, t)),
        stride=32,
    )
    return result, steps


def test_frames_table_follows_the_contract(analysis, synthetic_rec):
    result, steps = analysis
    f = result.frames
    n = synthetic_rec.n_frames
    assert list(f.index) == list(range(n))
    assert (f["frame"].to_numpy() == synthetic_rec.poses.frame_index).all()
    # frame_importance's own scale (sums to 1): no second normalisation
    assert f["attention"].min() >= 0 and f["attention"].sum() == pytest.approx(1.0)
    assert set(f["motif"]) <= {-1, 0, 1, 2}
    assert set(f["motif_name"]) <= set(BEHAVIOURS) | {"none"}
    assert np.isfinite(f[["pc1", "pc2"]].to_numpy()).all()
    probs = f[[f"p_{b}" for b in BEHAVIOURS]].to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert (f["uncertainty"] == 1 - probs.max(axis=1)).all()
    assert result.classes == tuple(BEHAVIOURS)  # the class names, carried as data
    assert set(f["behaviour"]) <= set(BEHAVIOURS)
    assert steps[-1] == (4, 4)
    assert result.info["importance"] == "grad"
    assert result.info["criterion"] == "fixed" and result.info["n_motifs"] == 3
    assert -1 <= result.info["ari"] <= 1


def test_motifs_are_smoothed_into_bouts(analysis):
    result, _ = analysis
    motif = result.frames["motif"].to_numpy()
    change = np.flatnonzero(np.diff(motif)) + 1
    lengths = np.diff(np.concatenate([[0], change, [len(motif)]]))
    assert lengths.min() >= 5
    usage = result.motif_stats["usage"]
    assert usage["frames"].sum() == pytest.approx(1.0)
    assert list(usage["name"]) == result.motif_names
    trans = result.motif_stats["transitions"].to_numpy()
    assert np.allclose(np.diag(trans), 0)
    rows = trans.sum(axis=1)
    assert np.all(np.isclose(rows, 1) | np.isclose(rows, 0))
    assert "n_bouts" in result.motif_stats["durations"]


def test_attribution_and_axes(analysis):
    result, _ = analysis
    attr = result.attribution
    assert {"kind", "attribution", "share", "rank"} <= set(attr.columns)
    rel = attr[attr["kind"] == "relation"]
    assert "nose-to-nose distance" in rel.index
    assert sorted(rel["rank"]) == list(range(1, len(rel) + 1))
    assert list(result.axes.index[:2]) == ["PC1", "PC2"]
    assert "resident speed" in result.axes.columns
    assert set(result.carriers.index) == set(AXIS_MEASURES)
    assert result.carriers["axis"].isin(result.axes.index).all()


def test_axis_carriers_pick_the_largest_correlation():
    axes = pd.DataFrame(
        {
            "resident speed": [0.9, 0.1],
            "intruder speed": [-0.2, 0.3],
            "resident facing partner": [0.1, -0.7],
            "centre distance": [0.2, 0.4],
        },
        index=["PC1", "PC2"],
    )
    axes.attrs["explained_variance_ratio"] = [0.6, 0.3]
    table = axis_carriers(axes)
    assert table.loc["mobility", "axis"] == "PC1"
    assert table.loc["attention to partner", "rho"] == pytest.approx(-0.7)
    assert table.loc["social engagement", "measure"] == "centre distance"
    assert table.loc["social engagement", "explained_variance"] == 0.3


def test_analyze_runs_shares_motifs_and_compares_groups(
    seq_model, frame_model, tokenizer
):
    recs = [
        generate_synthetic(150, genotype=g, seed=s)
        for g, s in [("wt", 10), ("ko", 11), ("wt", 12), ("ko", 13)]
    ]
    result = analyze_runs(
        frame_model,
        tokenizer,
        [r.poses for r in recs],
        groups=[r.genotype for r in recs],
        n_motifs=4,
        attribution=True,
        stride=32,
    )
    assert isinstance(result, RunsAnalysis)
    assert result.usage.shape == (4, 4)
    np.testing.assert_allclose(result.usage.sum(axis=1), 1.0)
    assert result.recordings[0].info["importance"] == "rollout"
    assert result.recordings[0].attribution is None  # no sequence head
    comp = result.comparison
    assert comp["test"].eq("mann-whitney-u").all()
    assert {"mean_ko", "mean_wt", "p", "p_adjusted"} <= set(comp.columns)
    with pytest.raises(ValueError, match="frame_model"):
        analyze_runs(seq_model, tokenizer, [recs[0].poses], tokens_from="frame_model")


def test_write_analysis_writes_tables_and_figures(analysis, tmp_path):
    result, _ = analysis
    paths = write_analysis(result, tmp_path / "out")
    names = {p.name for p in paths}
    for kind in ("ethogram", "attention", "embedding", "motifs"):
        assert f"recording0_{kind}.png" in names and f"recording0_{kind}.svg" in names
    frames = pd.read_csv(tmp_path / "out" / "recording0_frames.csv")
    np.testing.assert_allclose(frames["attention"], result.frames["attention"])
    attr = pd.read_csv(tmp_path / "out" / "recording0_attribution.csv", index_col=0)
    assert attr.index.name == "group"
    png = (tmp_path / "out" / "recording0_ethogram.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


def test_the_steps_give_the_arrays_of_analyze_runs(
    analysis, seq_model, tokenizer, synthetic_rec
):
    from behavert.report import cluster_motifs, embed_recordings, recording_importance

    result, _ = analysis
    poses = synthetic_rec.poses
    scores, method = recording_importance(seq_model, tokenizer, poses, stride=32)
    assert method == "grad"
    np.testing.assert_allclose(scores, result.frames["attention"])
    tokens = embed_recordings(seq_model, tokenizer, [poses], stride=32)
    motifs = cluster_motifs(tokens, n_motifs=3)
    np.testing.assert_array_equal(motifs.labels[0], result.frames["motif"])
    assert motifs.names == [f"motif {m}" for m in range(3)]
