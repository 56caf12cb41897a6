"""Tests of windowing, streaming and stitching."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from behavert.data.windows import (
    Stitcher,
    WindowDataset,
    iter_windows,
    window_starts,
    window_weights,
)


@pytest.mark.parametrize(
    "n_frames, window, stride", [(100, 16, 8), (17, 16, 5), (10, 16, 4), (64, 16, 16)]
)
def test_window_starts_cover_every_frame(n_frames, window, stride):
    starts = window_starts(n_frames, window, stride)
    covered = np.zeros(n_frames, bool)
    for s in starts:
        covered[s : s + window] = True
    assert covered.all()
    assert starts[0] == 0
    assert min(starts[-1] + window, n_frames) == n_frames
    assert (np.diff(starts) <= stride).all() and (np.diff(starts) > 0).all()


def test_short_clip_gives_one_window():
    assert window_starts(5, 16, 8).tolist() == [0]
    with pytest.raises(ValueError):
        window_starts(0, 16, 8)


def test_dataset_items_padded():
    rng = np.random.default_rng(0)
    features = [rng.normal(size=(40, 3)), rng.normal(size=(10, 3))]
    labels = [np.arange(40) % 3, np.zeros(10, int)]
    ds = WindowDataset(features, window=16, stride=8, frame_labels=labels,
                       sequence_labels=[0, 1])  # fmt: skip
    assert len(ds) == 4 + 1
    item = ds[4]
    assert item["recording"] == 1 and item["start"] == 0
    assert item["inputs"].shape == (16, 3) and item["inputs"].dtype == torch.float32
    assert item["attention_mask"].tolist() == [1] * 10 + [0] * 6
    assert (item["inputs"][10:] == 0).all()
    assert item["labels"][10:].tolist() == [-100] * 6
    assert item["sequence_labels"].item() == 1
    last = ds[3]
    assert last["start"] == 24
    np.testing.assert_allclose(last["inputs"].numpy(), features[0][24:40], rtol=1e-6)
    assert last["labels"].tolist() == (np.arange(24, 40) % 3).tolist()


def test_dataset_multilabel_and_sequence_only():
    x = [np.zeros((5, 2)), np.ones((20, 2))]
    y = [np.ones((5, 3), np.float32), np.zeros((20, 3), np.float32)]
    ds = WindowDataset(x, 8, 8, frame_labels=y)
    assert ds[0]["labels"].shape == (8, 3)
    assert ds[0]["labels"][5:].eq(-1).all()
    seq = WindowDataset(x, 8, 8, sequence_labels=[1, 0])
    assert seq[0]["labels"].item() == 1 and seq[0]["labels"].shape == ()
    with pytest.raises(ValueError, match="frame labels"):
        WindowDataset(x, 8, 8, frame_labels=[np.zeros(4), np.zeros(20)])


def test_iter_windows_batches():
    features = np.arange(50 * 2, dtype=np.float32).reshape(50, 2)
    batches = list(iter_windows(features, window=16, stride=8, batch_size=2))
    starts = np.concatenate([b["starts"] for b in batches])
    assert starts.tolist() == window_starts(50, 16, 8).tolist()
    assert all(b["inputs"].shape[0] <= 2 for b in batches)
    assert batches[0]["inputs"].shape == (2, 16, 2)


def test_weights_positive_and_low_at_edges():
    for profile in ("hann", "triangular"):
        w = window_weights(32, profile)
        assert (w > 0).all() and w[0] < w[16] and w[-1] < w[16]


@pytest.mark.parametrize("profile", ["hann", "triangular", "uniform"])
def test_stitched_pointwise_function_equals_direct(profile):
    rng = np.random.default_rng(1)
    features = rng.normal(size=(77, 3)).astype(np.float32)

    def pointwise(x):
        return np.tanh(x) * 2.0 + 1.0

    stitcher = Stitcher(77, 3, profile=profile)
    for batch in iter_windows(features, window=16, stride=5, batch_size=3):
        stitcher.add_batch(batch["starts"], pointwise(batch["inputs"].numpy()))
    np.testing.assert_allclose(stitcher.result(), pointwise(features), rtol=1e-5,
                               atol=1e-6)  # fmt: skip


def test_stitcher_marks_uncovered_frames():
    stitcher = Stitcher(10, 1)
    stitcher.add(0, np.ones((4, 1)))
    result = stitcher.result()
    assert stitcher.covered.tolist() == [True] * 4 + [False] * 6
    assert np.isnan(result[4:]).all() and (result[:4] == 1).all()


def test_window_longer_than_recording_equals_unwindowed_model_pass():
    from behavert.model import BehavertConfig, BehavertModel

    torch.manual_seed(0)
    config = BehavertConfig.from_preset("tiny", feature_size=4, window=32,
                                        max_position_embeddings=33)  # fmt: skip
    model = BehavertModel(config).eval()
    features = np.random.default_rng(2).normal(size=(20, 4)).astype(np.float32)
    stitcher = Stitcher(20, config.hidden_size)
    with torch.no_grad():
        for batch in iter_windows(features, window=32, stride=16, batch_size=4):
            out = model(batch["inputs"], batch["attention_mask"]).last_hidden_state
            stitcher.add_batch(batch["starts"], out)
        direct = model(torch.from_numpy(features)[None]).last_hidden_state[0]
    np.testing.assert_allclose(stitcher.result(), direct.numpy(), atol=1e-5)
