"""Tests for behavert.inference (streaming, stitched predictions)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from behavert.data.tokenizer import PoseTokenizer
from behavert.errors import SkeletonMismatchError
from behavert.inference import (
    FramePrediction,
    attention,
    embed,
    predict_frames,
    predict_sequences,
)
from behavert.model import (
    BehavertConfig,
    BehavertForFrameClassification,
    BehavertForSequenceClassification,
)


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def poses(make_walk_poses):
    return make_walk_poses(200, seed=3)


@pytest.fixture(scope="module")
def tokenizer(poses):
    return PoseTokenizer().fit([poses])


def _config(tokenizer, **kw):
    torch.manual_seed(0)
    return BehavertConfig.from_preset(
        "tiny",
        feature_size=tokenizer.feature_size,
        window=64,
        stride=32,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        **kw,
    )


@pytest.fixture(scope="module")
def frame_model(tokenizer):
    return BehavertForFrameClassification(
        _config(tokenizer, frame_labels=["a", "b", "c"])
    ).eval()


def test_whole_clip_window_equals_unwindowed_pass(frame_model, tokenizer, poses):
    clip = poses.select_frames(slice(0, 60))
    pred = predict_frames(frame_model, tokenizer, clip, window=64, stride=32)
    assert isinstance(pred, FramePrediction)
    assert pred.probabilities.shape == (60, 3) and pred.names == ("a", "b", "c")
    x = torch.from_numpy(tokenizer.transform(clip)).float()[None]
    with torch.no_grad():
        direct = torch.softmax(frame_model(inputs=x).logits[0], -1).numpy()
    np.testing.assert_allclose(pred.probabilities, direct, atol=1e-5)
    np.testing.assert_array_equal(pred.labels, direct.argmax(1))


def test_long_recording_streams_bounded_batches(frame_model, tokenizer, poses):
    shapes = []
    handle = frame_model.register_forward_pre_hook(
        lambda m, args, kwargs: shapes.append(tuple(kwargs["inputs"].shape)),
        with_kwargs=True,
    )
    calls = []
    try:
        pred = predict_frames(
            frame_model,
            tokenizer,
            poses,
            batch_size=2,
            progress=lambda done, total: calls.append((done, total)),
        )
    finally:
        handle.remove()
    # 200 frames, window 64, stride 32 -> starts 0, 32, 64, 96, 128, 136.
    assert shapes == [(2, 64, tokenizer.feature_size)] * 3
    assert calls == [(2, 6), (4, 6), (6, 6)]
    assert pred.probabilities.shape == (200, 3)
    np.testing.assert_allclose(pred.probabilities.sum(1), 1.0, atol=1e-5)
    # Interior frames far from any window edge agree with a single window pass.
    x = torch.from_numpy(tokenizer.transform(poses)[32:96]).float()[None]
    with torch.no_grad():
        one = torch.softmax(frame_model(inputs=x).logits[0], -1).numpy()
    assert np.abs(pred.probabilities[60:68] - one[28:36]).max() < 0.2


def test_skeleton_mismatch_is_reported(frame_model, tokenizer, poses):
    other = poses.replace(keypoints=("a", "b", "c", "d", "e"))
    with pytest.raises(SkeletonMismatchError):
        predict_frames(frame_model, tokenizer, other)


def test_predict_sequences_embed_and_attention(tokenizer, poses):
    model = BehavertForSequenceClassification(
        _config(tokenizer, sequence_labels=["ko", "wt"])
    ).eval()
    clips = [poses.select_frames(slice(0, 120)), poses]
    probs = predict_sequences(model, tokenizer, clips)
    assert probs.shape == (2, 2)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)
    emb = embed(model, tokenizer, poses)
    assert emb.shape == (200, 32) and np.isfinite(emb).all()
    first = embed(model, tokenizer, poses, layer=0)
    assert first.shape == (200, 32) and not np.allclose(first, emb)
    att = attention(model, tokenizer, poses)
    assert att.shape == (2, 2, 200)  # (layer, head, time)
    assert (att >= 0).all() and np.isfinite(att).all()
    # With one window covering the clip, CLS attention over frames is < 1 in sum
    # (the rest goes to [CLS] itself) and matches a direct eager pass.
    short = poses.select_frames(slice(0, 50))
    att_short = attention(model, tokenizer, short)
    x = torch.from_numpy(tokenizer.transform(short)).float()[None]
    with torch.no_grad():
        direct = model.behavert(inputs=x, output_attentions=True).attentions
    expected = np.stack([a[0, :, 0, 1:].numpy() for a in direct])
    np.testing.assert_allclose(att_short, expected, atol=1e-5)
    assert (att_short.sum(-1) <= 1 + 1e-5).all()


def test_predict_frames_rejects_non_frame_models(tokenizer, poses):
    model = BehavertForSequenceClassification(_config(tokenizer, sequence_labels=["x"]))
    with pytest.raises(ValueError, match="frame-classification"):
        predict_frames(model, tokenizer, poses)
