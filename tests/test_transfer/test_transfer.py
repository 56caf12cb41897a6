"""Tests of behavert.train.transfer (rat-like skeleton -> mouse skeleton)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from behavert.data.mapping import map_keypoints
from behavert.data.tokenizer import PoseTokenizer
from behavert.datasets.synthetic import generate_synthetic
from behavert.datasets.synthetic_species import generate_synthetic_rat
from behavert.errors import SkeletonMismatchError
from behavert.train import TrainConfig, pretrain, run_to_end
from behavert.train.transfer import (
    MAPPING_FILE,
    adapt_model,
    feature_correspondence,
    transfer,
)


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tc():
    return TrainConfig(max_steps=3, batch_size=4, warmup_steps=1, device="cpu", seed=1)


@pytest.fixture(scope="module")
def rat_run(tc):
    rats = [generate_synthetic_rat(200, seed=s).poses for s in (1, 2)]
    return run_to_end(pretrain(rats, train_config=tc))


@pytest.fixture(scope="module")
def mice():
    return [generate_synthetic(200, seed=s) for s in (5, 6)]


@pytest.fixture(scope="module")
def mouse_tok(mice):
    return PoseTokenizer().fit([m.poses for m in mice])


def _encoder_state(model):
    enc = getattr(model, "behavert", model)
    return {
        k: v.detach().clone()
        for k, v in enc.state_dict().items()
        if not k.startswith("embeddings.projection")
    }


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, msg=k)


def test_feature_correspondence_by_name(rat_run, mouse_tok):
    corr = feature_correspondence(rat_run.tokenizer, mouse_tok)
    src, tgt = rat_run.tokenizer.feature_names, mouse_tok.feature_names
    assert len(corr) == len(tgt)

    def of(name):
        return [src[i] for i in corr[tgt.index(name)]]

    assert of("resident/nose x") == ["rat_a/Snout x"]
    assert of("intruder/tail_base velocity y") == ["rat_b/TailRoot velocity y"]
    assert of("resident/spine x") == ["rat_a/Spine1 x", "rat_a/Spine2 x"]
    assert of("resident/left_forepaw x") == []  # the rat has no paws
    assert of("resident centre speed") == ["rat_a centre speed"]
    assert of("resident-intruder nose-to-nose distance") == [
        "rat_a-rat_b nose-to-nose distance"
    ]


def test_adapt_model_keeps_encoder_and_maps_columns(rat_run, mouse_tok):
    model, corr = adapt_model(rat_run.model, rat_run.tokenizer, mouse_tok)
    assert model.config.feature_size == mouse_tok.feature_size
    _assert_same(_encoder_state(model), _encoder_state(rat_run.model))
    old = rat_run.model.behavert.embeddings.projection.weight
    new = model.behavert.embeddings.projection.weight
    assert new.shape == (old.shape[0], mouse_tok.feature_size)
    j = mouse_tok.feature_names.index("resident/spine x")
    torch.testing.assert_close(new[:, j], old[:, list(corr[j])].mean(1))
    torch.testing.assert_close(
        model.behavert.embeddings.projection.bias,
        rat_run.model.behavert.embeddings.projection.bias,
    )
    j = mouse_tok.feature_names.index("resident/nose y")
    torch.testing.assert_close(
        model.head[-1].weight[j], rat_run.model.head[-1].weight[corr[j][0]]
    )
    fresh = mouse_tok.feature_names.index("resident/left_forepaw x")
    assert not corr[fresh] and new[:, fresh].abs().sum() > 0


def test_mapping_of_another_skeleton_is_refused(rat_run, mouse_tok):
    wrong = map_keypoints(("a", "b"), mouse_tok.keypoints)
    with pytest.raises(SkeletonMismatchError, match="mapping"):
        adapt_model(rat_run.model, rat_run.tokenizer, mouse_tok, wrong)


def test_encoder_identical_at_step_zero_and_after_realign(rat_run, mice, tc):
    before = _encoder_state(rat_run.model)
    poses = [m.poses for m in mice]
    stopped = run_to_end(transfer(rat_run, None, poses, cancel=lambda: True))
    assert stopped.cancelled
    _assert_same(_encoder_state(stopped.model), before)
    # the realign phase trains only the projection (and the head): stop
    # before the first step of the second phase and compare
    events = []
    result = run_to_end(
        transfer(
            rat_run,
            None,
            poses,
            realign_steps=2,
            train_config=tc,
            cancel=lambda: len(events) >= 2,
        ),
        events.append,
    )
    assert [e.phase for e in events] == ["realign", "realign"]
    assert result.cancelled
    _assert_same(_encoder_state(result.model), before)
    moved = result.model.behavert.embeddings.projection.weight
    start = stopped.model.behavert.embeddings.projection.weight
    assert not torch.equal(moved, start)


def test_transfer_with_labels_finetunes_frames(rat_run, mice, tc, tmp_path):
    poses = [m.poses for m in mice]
    labels = [m.labels for m in mice]
    events = []
    result = run_to_end(
        transfer(
            rat_run,
            None,
            poses,
            labels_list=labels,
            class_names=mice[0].behaviours,
            realign_steps=2,
            train_config=tc.replace(val_fraction=0.25),
            out=tmp_path / "run",
        ),
        events.append,
    )
    assert [e.phase for e in events][:2] == ["realign", "realign"]
    assert events[-1].phase == "frames"
    assert type(result.model).__name__ == "BehavertForFrameClassification"
    assert result.model.config.frame_labels == list(mice[0].behaviours)
    assert result.model.config.feature_size == result.tokenizer.feature_size
    assert 0.5 < result.metrics["transfer/mapped_features"] < 1
    assert "macro_f1" in result.metrics
    assert (tmp_path / "run" / "model" / "model.safetensors").is_file()
    assert (tmp_path / "run" / MAPPING_FILE).read_text().startswith("source,target")


def test_transfer_needs_poses_and_tokenizer(rat_run):
    with pytest.raises(ValueError, match="at least one"):
        next(transfer(rat_run, None, []))
    with pytest.raises(ValueError, match="tokenizer"):
        next(transfer(rat_run.model, None, [generate_synthetic(80).poses]))


def test_features_share_is_reported_for_same_skeleton(mice, tc):
    poses = [m.poses for m in mice]
    run = run_to_end(pretrain(poses, train_config=tc.replace(max_steps=1)))
    corr = feature_correspondence(run.tokenizer, run.tokenizer)
    assert [c for c in corr] == [(i,) for i in range(len(corr))]
    model, _ = adapt_model(run.model, run.tokenizer, run.tokenizer)
    x = torch.from_numpy(run.tokenizer.transform(poses[0])[None, :64])
    with torch.no_grad():
        np.testing.assert_allclose(
            model(x).logits.numpy(), run.model(x).logits.numpy(), atol=1e-5
        )


def test_2d_model_to_3d_poses_maps_x_y_and_starts_z_fresh(rat_run):
    from behavert.datasets.synthetic_species import generate_synthetic_3d

    tok3 = PoseTokenizer().fit([generate_synthetic_3d(120, seed=1).poses])
    corr = feature_correspondence(rat_run.tokenizer, tok3)
    names = tok3.feature_names
    assert corr[names.index("resident/nose y")]
    assert corr[names.index("resident/nose z")] == ()
    assert corr[names.index("resident/nose velocity z")] == ()
    model, _ = adapt_model(rat_run.model, rat_run.tokenizer, tok3)
    assert model.config.feature_size == tok3.feature_size
