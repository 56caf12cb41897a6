"""Tiny untrained models on a short synthetic recording (fast unit fixtures)."""

from __future__ import annotations

import pytest
import torch

from behavert.data.tokenizer import PoseTokenizer
from behavert.datasets.synthetic import BEHAVIOURS, generate_synthetic
from behavert.model import (
    BehavertConfig,
    BehavertForFrameClassification,
    BehavertForSequenceClassification,
)


@pytest.fixture(scope="session", autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def synthetic_rec():
    """A 200-frame synthetic wt recording (seed 3)."""
    return generate_synthetic(200, genotype="wt", seed=3)


@pytest.fixture(scope="session")
def tokenizer(synthetic_rec):
    return PoseTokenizer().fit([synthetic_rec.poses])


def _config(tokenizer, **kw):
    return BehavertConfig.from_preset(
        "tiny",
        feature_size=tokenizer.feature_size,
        window=64,
        stride=32,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        **kw,
    )


@pytest.fixture(scope="session")
def seq_model(tokenizer):
    torch.manual_seed(0)
    model = BehavertForSequenceClassification(
        _config(tokenizer, sequence_labels=["ko", "wt"])
    )
    return model.eval()


@pytest.fixture(scope="session")
def frame_model(tokenizer):
    torch.manual_seed(1)
    model = BehavertForFrameClassification(
        _config(tokenizer, frame_labels=list(BEHAVIOURS))
    )
    return model.eval()
