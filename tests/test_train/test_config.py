"""Tests for behavert.train.config.TrainConfig."""

from __future__ import annotations

import dataclasses

import pytest

from behavert.errors import ConfigError
from behavert.model import BehavertConfig
from behavert.train.build import training_window
from behavert.train.config import TrainConfig


def test_defaults_and_helpers():
    tc = TrainConfig()
    assert not hasattr(tc, "window") and not hasattr(tc, "stride")
    assert tc.total_steps(1000) == 200
    assert TrainConfig(epochs=2, batch_size=8).total_steps(20) == 6
    assert TrainConfig.from_dict(tc.to_dict()) == tc
    with pytest.raises(dataclasses.FrozenInstanceError):
        tc.lr = 1.0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lr": 0}, "lr"),
        ({"max_steps": None, "epochs": None}, "max_steps or epochs"),
        ({"mask_mode": "blocks"}, "mask_mode"),
        ({"mixed_precision": "fp8"}, "mixed_precision"),
        ({"num_workers": 2}, "num_workers"),
        ({"class_weights": "inverse"}, "class_weights"),
        ({"val_fraction": 1.0}, "val_fraction"),
        ({"early_stopping_patience": 0}, "early_stopping_patience"),
        ({"encoder_lr_scale": 0}, "encoder_lr_scale"),
        ({"encoder_lr_scale": 2.0}, "encoder_lr_scale"),
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


def test_training_window_defaults_and_base_config():
    assert training_window(None, None) == (64, 32)
    assert training_window(128, None) == (128, 64)
    assert training_window(128, 16) == (128, 16)
    base = BehavertConfig.from_preset("tiny", window=256, stride=64)
    assert training_window(None, None, base) == (256, 64)
    assert training_window(None, 32, base) == (256, 32)
    assert training_window(64, None, base) == (64, 32)


@pytest.mark.parametrize(
    ("window", "stride", "message"),
    [(32, None, "window"), (1024, None, "window"), (64, 100, "stride")],
)
def test_training_window_invalid_values_are_named(window, stride, message):
    with pytest.raises(ConfigError, match=message):
        training_window(window, stride)
