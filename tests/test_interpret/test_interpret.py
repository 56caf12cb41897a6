"""Unit tests for behavert.interpret on tiny untrained models."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from behavert.analysis import attention_rollout, cls_attention, grad_attention
from behavert.interpret import (
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


def test_window_importance_matches_array_functions(seq_model, tokenizer, synthetic_rec):
    _, out = _maps(seq_model, tokenizer, synthetic_rec)
    att = [a.detach() for a in out.attentions]
    maps = [a[0].numpy() for a in att]
    roll = window_importance(att, "rollout")[0].numpy()
    np.testing.assert_allclose(roll, attention_rollout(maps), rtol=1e-4, atol=1e-7)
    cls = window_importance(att, "cls", layer=0)[0].numpy()
    np.testing.assert_allclose(cls, cls_attention(maps, layer=0), rtol=1e-4)
    grads = torch.autograd.grad(out.logits[0, 1], out.attentions)
    rel = window_importance(att, "grad", grads)[0].numpy()
    expected = grad_attention(maps, [g[0].numpy() for g in grads])
    np.testing.assert_allclose(rel / rel.sum(), expected, rtol=1e-3, atol=1e-8)
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
