"""Tests of windowing, streaming and stitching."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from behavert.data.windows import (
    Stitcher,
    crop,
    iter_windows,
    n_grid_windows,
    sample_windows,
    stack_windows,
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


def test_crop_pads_with_fill_and_counts_real_rows():
    x = np.arange(10 * 2, dtype=np.float32).reshape(10, 2)
    full, n = crop(x, 2, 4)
    assert n == 4 and np.array_equal(full, x[2:6])
    padded, n = crop(x, 8, 4, fill=-1.0)
    assert n == 2 and padded.dtype == np.float32
    assert np.array_equal(padded[:2], x[8:]) and (padded[2:] == -1).all()
    labels, n = crop(np.arange(3), 0, 5, fill=-100)
    assert labels.tolist() == [0, 1, 2, -100, -100] and n == 3


def test_stack_windows_items_and_mask():
    arrays = [np.ones((40, 3)), np.zeros((10, 3))]
    x, valid = stack_windows(arrays, [(0, 24), (1, 0)], 16)
    assert x.shape == (2, 16, 3) and valid.dtype == bool
    assert valid[0].all() and valid[1].tolist() == [True] * 10 + [False] * 6
    assert (x[0] == 1).all() and (x[1] == 0).all()


def test_sample_windows_inside_items_and_reproducible():
    lengths = [300, 50, 64]
    picks = sample_windows(lengths, 64, 32, 200, torch.Generator().manual_seed(0))
    again = sample_windows(lengths, 64, 32, 200, torch.Generator().manual_seed(0))
    assert picks == again and len(picks) == 200
    for item, start in picks:
        assert 0 <= start <= max(0, lengths[item] - 64)
    assert {item for item, _ in picks} == {0, 1, 2}
    assert n_grid_windows(lengths, 64, 32) == len(window_starts(300, 64, 32)) + 2


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
