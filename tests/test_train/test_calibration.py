"""Recording-level calibration of sequence models."""

import numpy as np
import torch

from behavert.model import BehavertConfig, BehavertForSequenceClassification
from behavert.train.finetuning import fit_recording_calibration


def _windows(p_wt: float, n: int, rng) -> torch.Tensor:
    """Window logits of one recording: a share p_wt of windows say 'wt'."""
    says_wt = rng.random(n) < p_wt
    logits = np.where(says_wt[:, None], [[-2.0, 2.0]], [[1.0, -1.0]])
    return torch.tensor(logits + rng.normal(0, 0.3, (n, 2)), dtype=torch.float32)


def test_calibration_fixes_the_window_level_bias():
    # classes (ko, wt): wt recordings have evidence in 30 % of windows, ko in 5 %;
    # mean window probability calls every recording ko, the calibration does not
    rng = np.random.default_rng(0)
    logits = [_windows(0.3 if g else 0.05, 40, rng) for g in [0, 1] * 10]
    groups = [0, 1] * 10
    cal = fit_recording_calibration(logits, groups, 2)
    config = BehavertConfig.from_preset(
        "tiny", feature_size=4, sequence_labels=["ko", "wt"]
    )
    model = BehavertForSequenceClassification(config)
    plain = np.array([model.recording_probabilities(x).argmax().item() for x in logits])
    assert (plain == 0).all()
    model.config.sequence_calibration = cal
    tests = [_windows(0.3 if g else 0.05, 40, rng) for g in [0, 1] * 10]
    calibrated = [model.recording_probabilities(x) for x in tests]
    assert all(abs(p.sum().item() - 1) < 1e-6 for p in calibrated)
    assert (np.array([p.argmax().item() for p in calibrated]) == groups).mean() >= 0.9


def test_calibration_survives_save_and_load(tmp_path):
    config = BehavertConfig.from_preset(
        "tiny", feature_size=4, sequence_labels=["ko", "wt"]
    )
    model = BehavertForSequenceClassification(config)
    model.config.sequence_calibration = {"coef": [[0, 0], [1, -1]], "intercept": [0, 2]}
    model.save_pretrained(tmp_path)
    loaded = BehavertForSequenceClassification.from_pretrained(tmp_path)
    assert loaded.config.sequence_calibration == model.config.sequence_calibration


def test_single_group_gives_no_calibration():
    logits = [torch.zeros(3, 2), torch.zeros(4, 2)]
    assert fit_recording_calibration(logits, [1, 1], 2) is None
