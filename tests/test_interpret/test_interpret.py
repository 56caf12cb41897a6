"""Unit tests for behavert.inference on tiny untrained models."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from behavert.inference import (
    frame_importance,
    frame_neighbourhoods,
    group_kinds,
    rank_feature_groups,
    resolve_target,
    sequence_attributions,
    window_importance,
)


def _maps(seq_model, tokenizer, rec, n=40):
    x = torch.from_numpy(tokenizer.transform(rec.poses)[:n][None])
    out = seq_model(inputs=x, output_attentions=True)
    return x, out


def _two_layer_maps() -> list[torch.Tensor]:
    """Two layers, one head, 3 frames (4 tokens), batch of 1.

    Layer 0: frame 0's token attends to frame 2, others to themselves.
    Layer 1: [CLS] attends to frame 0, others to themselves.
    """
    a = torch.zeros(2, 1, 1, 4, 4, dtype=torch.float64)
    a[0, 0, 0] = torch.eye(4)
    a[0, 0, 0, 1] = torch.tensor([0, 0, 0, 1])
    a[1, 0, 0] = torch.eye(4)
    a[1, 0, 0, 0] = torch.tensor([0, 1, 0, 0])
    return list(a)


def test_window_importance_known_answers():
    maps = _two_layer_maps()
    np.testing.assert_allclose(window_importance(maps, "rollout")[0], [0.5, 0, 0.5])
    # the last layer alone only sees frame 0
    np.testing.assert_allclose(window_importance(maps, "cls")[0], [1, 0, 0])
    ones = [torch.ones_like(m) for m in maps]
    rel = window_importance(maps, "grad", ones)[0]
    np.testing.assert_allclose(rel / rel.sum(), [0.5, 0.0, 0.5])
    ones[0] = -ones[0]  # layer 0 relevance clipped away: only layer 1 remains
    rel = window_importance(maps, "grad", ones)[0]
    np.testing.assert_allclose(rel / rel.sum(), [1.0, 0.0, 0.0])


def test_cls_importance_renormalises_the_head_mean():
    a = torch.zeros(1, 2, 4, 4) + 0.25
    a[0, 0, 0] = torch.tensor([0.5, 0.25, 0.25, 0.0])
    a[0, 1, 0] = torch.tensor([0.0, 0.0, 0.0, 1.0])
    # head mean over frames: [0.125, 0.125, 0.5] -> renormalised
    np.testing.assert_allclose(
        window_importance([a], "cls")[0], [1 / 6, 1 / 6, 2 / 3], rtol=1e-6
    )


def test_window_importance_on_a_model(seq_model, tokenizer, synthetic_rec):
    _, out = _maps(seq_model, tokenizer, synthetic_rec)
    att = [a.detach() for a in out.attentions]
    for method in ("rollout", "cls"):
        imp = window_importance(att, method)[0].numpy()
        assert imp.shape == (40,) and imp.sum() == pytest.approx(1.0, rel=1e-5)
    grads = torch.autograd.grad(out.logits[0, 1], out.attentions)
    rel = window_importance(att, "grad", grads)[0].numpy()
    assert (rel >= 0).all() and rel.sum() > 0
    with pytest.raises(ValueError, match="gradients"):
        window_importance(att, "grad")
    with pytest.raises(ValueError, match="method"):
        window_importance(att, "saliency")


@pytest.mark.parametrize("method", ["grad", "rollout", "cls"])
def test_frame_importance_is_a_distribution_over_frames(
    method, seq_model, tokenizer, synthetic_rec
):
    calls = []
    imp = frame_importance(
        seq_model,
        tokenizer,
        synthetic_rec.poses,
        method=method,
        stride=16,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert imp.shape == (synthetic_rec.n_frames,)
    assert np.isfinite(imp).all() and (imp >= 0).all()
    assert imp.sum() == pytest.approx(1.0)
    assert calls[-1][0] == calls[-1][1] == 10  # (200 - 64) / 16 + 1 windows


def test_frame_importance_targets_and_errors(
    seq_model, frame_model, tokenizer, synthetic_rec
):
    poses = synthetic_rec.poses
    a = frame_importance(seq_model, tokenizer, poses, target="wt")
    b = frame_importance(seq_model, tokenizer, poses, target=1)
    np.testing.assert_allclose(a, b)
    c = frame_importance(seq_model, tokenizer, poses, target="wt", contrast=True)
    assert c.shape == a.shape and not np.allclose(a, c)
    with pytest.raises(ValueError, match="sequence head"):
        frame_importance(frame_model, tokenizer, poses, method="grad")
    with pytest.raises(ValueError, match="method"):
        frame_importance(seq_model, tokenizer, poses, method="saliency")
    with pytest.raises(ValueError, match="not one of"):
        resolve_target(seq_model, "het")
    with pytest.raises(ValueError, match="out of range"):
        resolve_target(seq_model, 2)
    assert resolve_target(seq_model, None) is None
    rollout = frame_importance(frame_model, tokenizer, poses, method="rollout")
    assert rollout.sum() == pytest.approx(1.0)


def test_frame_neighbourhoods_are_absolute_and_centred(
    frame_model, tokenizer, synthetic_rec
):
    table = frame_neighbourhoods(
        frame_model, tokenizer, synthetic_rec.poses, [0, 100, 199], k=5
    )
    assert list(table.columns) == ["query", "frame", "offset", "weight"]
    assert table.groupby("query").size().to_dict() == {0: 5, 100: 5, 199: 5}
    assert (table["frame"] - table["query"] == table["offset"]).all()
    assert table["frame"].between(0, 199).all()
    middle = table[table["query"] == 100]
    assert middle["frame"].between(100 - 32, 100 + 31).all()  # its centred window
    assert (middle["weight"].diff().dropna() <= 1e-12).all()
    with pytest.raises(IndexError, match="outside"):
        frame_neighbourhoods(frame_model, tokenizer, synthetic_rec.poses, [200])


def test_group_kinds_and_ranking(tokenizer):
    kinds = group_kinds(tokenizer)
    assert kinds["nose-to-nose distance"] == "relation"
    assert kinds["relative heading"] == "relation"
    assert kinds["resident/nose"] == "body part"
    assert kinds["resident"] == "individual"
    assert kinds["resident-intruder"] == "pair"
    assert kinds["centre speed"] == "feature"
    per = np.zeros(tokenizer.feature_size)
    per[tokenizer.feature_groups["nose-to-nose distance"]] = 5.0
    per[tokenizer.feature_groups["relative position"]] = 1.0
    table = rank_feature_groups(per, tokenizer)
    rel = table[table["kind"] == "relation"].sort_values("rank")
    assert rel.index[0] == "nose-to-nose distance"
    assert rel["share"].sum() == pytest.approx(1.0)
    assert set(table["kind"]) == {
        "relation",
        "body part",
        "feature",
        "individual",
        "pair",
    }


def test_sequence_attributions_completeness_and_shapes(
    seq_model, frame_model, tokenizer, synthetic_rec
):
    res = sequence_attributions(
        seq_model, tokenizer, synthetic_rec.poses, steps=24, max_windows=2
    )
    assert len(res.starts) == 2 and res.target.shape == (2,)
    assert res.per_feature.shape == (tokenizer.feature_size,)
    assert (res.per_feature >= 0).all() and res.per_feature.sum() > 0
    # windows at 0 and 136 leave frames 64..135 unexplained
    assert np.isnan(res.per_frame[64:136]).all()
    assert np.isfinite(res.per_frame[:64]).all()
    assert res.delta < 0.05  # integrated gradients' completeness
    assert res.ranking("relation")["rank"].tolist() == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="sequence"):
        sequence_attributions(frame_model, tokenizer, synthetic_rec.poses)
