"""Fixtures for the training tests (the walk poses are in tests/fixtures/walk.py)."""

from __future__ import annotations

import pytest


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
