"""Tiny model configurations shared by the model tests."""

from __future__ import annotations

import pytest
import torch

from behavert.model import BehavertConfig

FEATURES = 6
WINDOW = 12


@pytest.fixture
def config() -> BehavertConfig:
    """A tiny config (hidden 32, 2 layers) with frame and sequence classes."""
    return BehavertConfig.from_preset(
        "tiny",
        feature_size=FEATURES,
        window=WINDOW,
        stride=6,
        max_position_embeddings=WINDOW + 1,
        frame_labels=["idle", "approach", "sniff"],
        sequence_labels=["wt", "ko"],
    )


@pytest.fixture
def batch():
    """Synthetic inputs (batch 3, time 12, feature 6); sample 1 padded after 8."""
    gen = torch.Generator().manual_seed(0)
    inputs = torch.randn(3, WINDOW, FEATURES, generator=gen)
    attention_mask = torch.ones(3, WINDOW, dtype=torch.long)
    attention_mask[1, 8:] = 0
    inputs[1, 8:] = 0.0
    return inputs, attention_mask
