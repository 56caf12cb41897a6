"""Tests for behavert.train.config.TrainConfig."""

from __future__ import annotations

import dataclasses

import pytest

from behavert.train.config import TrainConfig


def test_defaults_and_helpers():
    tc = TrainConfig()
    assert tc.effective_stride == 32
    assert tc.total_steps(1000) == 200
    assert TrainConfig(epochs=2, batch_size=8).total_steps(20) == 6
    assert TrainConfig.from_dict(tc.to_dict()) == tc
    with pytest.raises(dataclasses.FrozenInstanceError):
        tc.lr = 1.0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lr": 0}, "lr"),
        ({"window": 32}, "window"),
        ({"window": 1024}, "window"),
        ({"stride": 100, "window": 64}, "stride"),
        ({"max_steps": None, "epochs": None}, "max_steps or epochs"),
        ({"mask_mode": "blocks"}, "mask_mode"),
        ({"mixed_precision": "fp8"}, "mixed_precision"),
        ({"num_workers": 2}, "num_workers"),
        ({"class_weights": "inverse"}, "class_weights"),
        ({"val_fraction": 1.0}, "val_fraction"),
        ({"early_stopping_patience": 0}, "early_stopping_patience"),
    ],
)
def test_invalid_values_are_named(changes, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**changes)


def test_several_problems_reported_together_and_unknown_keys():
    with pytest.raises(ValueError, match="lr.*batch_size"):
        TrainConfig(lr=-1, batch_size=0)
    with pytest.raises(ValueError, match="learning_rate"):
        TrainConfig.from_dict({"learning_rate": 1e-3})
