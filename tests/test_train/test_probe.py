"""The linear probe: frozen encoder tokens -> logistic regression per frame."""

from __future__ import annotations

import json

import numpy as np
import pytest

from behavert.cli import app
from behavert.datasets.synthetic import generate_synthetic, labels_frame
from behavert.errors import ConfigError
from behavert.io.labels import FrameLabels
from behavert.io.save import save_dlc
from behavert.train.probe import linear_probe, probe_split


def test_split_keeps_recordings_whole():
    masks = probe_split([10, 20, 30], 0.3)
    assert [m[1].all() for m in masks] == [False, False, True]
    assert [m[0].all() for m in masks] == [True, True, False]
    ((train, test),) = probe_split([10], 0.3)
    assert train.sum() == 7 and test[7:].all() and not test[:7].any()
    with pytest.raises(ConfigError):
        probe_split([10], 1.0)


def _labels(rec) -> FrameLabels:
    names = rec.behaviours
    values = rec.labels[:, None] == np.arange(len(names))[None]
    return FrameLabels(names, values)


def test_probe_reads_behaviour_from_informative_tokens():
    """Even a barely trained encoder's tokens carry pose: a probe beats chance."""
    from behavert.train import TrainConfig, pretrain, run_to_end

    recs = [generate_synthetic(600, seed=s) for s in range(3)]
    poses = [r.poses for r in recs]
    tc = TrainConfig(max_steps=1, batch_size=2)
    run = run_to_end(pretrain(poses, config="tiny", train_config=tc))
    metrics = linear_probe(run.model, run.tokenizer, poses, [_labels(r) for r in recs])
    assert metrics["n_frames"] == 600 and metrics["n_train_frames"] == 1200
    n_present = len({k for k in metrics if k.startswith("f1/")})
    assert metrics["macro_f1"] > 1.5 / max(n_present, 2)  # well above chance


def test_cli_probe_on_a_pretrained_run(tmp_path):
    poses, labels = [], []
    for i in range(2):
        rec = generate_synthetic(300, seed=i)
        path = tmp_path / f"synthetic_{i}DLC_probe.h5"
        save_dlc(rec.poses, path)
        labels_frame(rec).to_csv(tmp_path / f"synthetic_{i}.csv", index=False)
        poses.append(str(path))
        labels.append(str(tmp_path / f"synthetic_{i}.csv"))
    fast = ["--preset", "tiny", "--steps", "2", "--batch-size", "4"]
    assert app(["pretrain", *poses, "--out", str(tmp_path / "pre"), *fast]) == 0
    out = tmp_path / "probe.json"
    args = ["evaluate", str(tmp_path / "pre"), *poses, "--labels", *labels]
    assert app([*args, "--probe", "--out", str(out)]) == 0
    metrics = json.loads(out.read_text())
    assert metrics["n_frames"] == 300 and metrics["n_train_frames"] == 300
    assert 0 <= metrics["macro_f1"] <= 1
