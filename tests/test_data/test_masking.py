"""Tests of mask_frames."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from behavert.data.masking import mask_frames


def test_random_masks_exact_ratio_of_valid_frames():
    valid = torch.ones(4, 100, dtype=torch.bool)
    valid[1, 60:] = False
    gen = torch.Generator().manual_seed(0)
    mask = mask_frames(4, 100, 0.2, valid=valid, generator=gen)
    assert mask.dtype == torch.bool and mask.shape == (4, 100)
    assert mask.sum(1).tolist() == [20, 12, 20, 20]
    assert not (mask & ~valid).any()


def test_at_least_one_frame_masked():
    mask = mask_frames(3, 4, 0.01)
    assert (mask.sum(1) == 1).all()


def test_reproducible_with_generator():
    a = mask_frames(2, 50, 0.3, generator=torch.Generator().manual_seed(3))
    b = mask_frames(2, 50, 0.3, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_span_mode_masks_contiguous_spans():
    gen = torch.Generator().manual_seed(1)
    valid = torch.ones(8, 200, dtype=torch.bool)
    valid[0, 150:] = False
    mask = mask_frames(8, 200, 0.15, mode="span", span_length=10, valid=valid,
                       generator=gen)  # fmt: skip
    assert not (mask & ~valid).any()
    ratio = mask.float().sum() / valid.float().sum()
    assert 0.07 < ratio < 0.2
    # spans are drawn until at least round(0.15 * n_valid) frames are masked
    assert (mask.sum(1) >= torch.round(valid.sum(1) * 0.15)).all()
    # spans: far fewer on/off transitions than masked frames
    transitions = (mask[:, 1:] != mask[:, :-1]).sum()
    assert transitions <= 2 * mask.sum() / 10 + 2 * 8


@pytest.mark.parametrize(
    "kwargs", [{"ratio": 0.0}, {"ratio": 1.0}, {"mode": "blocks"}, {"span_length": 0}]
)
def test_invalid_arguments(kwargs):
    args = {"batch": 1, "length": 10, "ratio": 0.2, **kwargs}
    with pytest.raises(ValueError):
        mask_frames(**args)


def test_span_mode_prefix_valid_and_short_windows():
    valid = torch.zeros(5, 64, dtype=torch.bool)
    for row, n in enumerate([64, 40, 3, 1, 7]):
        valid[row, :n] = True
    gen = torch.Generator().manual_seed(0)
    mask = mask_frames(5, 64, 0.15, mode="span", span_length=5, valid=valid,
                       generator=gen)  # fmt: skip
    assert not (mask & ~valid).any()
    target = torch.round(valid.sum(1) * 0.15).clamp(min=1)
    assert (mask.sum(1) >= target).all()
    # a run is cut at the last real frame: the 3-frame window masks >= 1 of 3
    assert 1 <= mask[2].sum() <= 3 and mask[3].tolist()[:1] == [True]
    # overshoot is below one span
    assert (mask.sum(1) < target + 5).all()


def test_span_mode_reproducible_and_numpy_valid():
    valid = np.ones((4, 128), dtype=bool)
    valid[2, 90:] = False
    a = mask_frames(4, 128, 0.3, "span", 8, torch.from_numpy(valid),
                    torch.Generator().manual_seed(5))  # fmt: skip
    b = mask_frames(4, 128, 0.3, "span", 8, valid, torch.Generator().manual_seed(5))
    assert torch.equal(a, b)


def test_masks_match_a_window_of_no_valid_frames():
    valid = torch.zeros(2, 16, dtype=torch.bool)
    valid[0, :10] = True
    for mode in ("random", "span"):
        mask = mask_frames(2, 16, 0.5, mode, 3, valid, torch.Generator())
        assert mask[1].sum() == 0 and mask[0].sum() >= 5
