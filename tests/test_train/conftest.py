"""Fixtures for the training tests: small in-memory random-walk poses (synthetic)."""

from __future__ import annotations

import pytest
from _walk import synthetic_walk_poses


@pytest.fixture(scope="session")
def walk_poses() -> list:
    """Two synthetic random-walk recordings of 300 frames."""
    return [synthetic_walk_poses(300, seed=s) for s in (1, 2)]


@pytest.fixture(scope="session")
def walk_tokenizer(walk_poses):
    """A PoseTokenizer fitted on ``walk_poses``."""
    from behavert.data.tokenizer import PoseTokenizer, TokenizerConfig

    return PoseTokenizer(TokenizerConfig()).fit(walk_poses)


@pytest.fixture()
def small_tc():
    """A few-step TrainConfig for fast tests."""
    from behavert.train.config import TrainConfig

    return TrainConfig(max_steps=6, batch_size=4, warmup_steps=2, lr=3e-3, dropout=0.1)


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Tiny models run fastest (and reproducibly) on one thread of a busy machine."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
