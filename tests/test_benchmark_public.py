"""CalMS21 task-1 protocol end to end on a tiny format-exact synthetic pair."""

from __future__ import annotations

import json

import numpy as np
import pytest

from behavert.cli.benchmark import run_benchmark
from behavert.cli.calms21 import (
    CALMS21_TASK1_REFERENCES,
    find_calms21_task1,
    run_calms21_task1,
    score_calms21_task1,
)
from behavert.errors import ConfigError, FileProblemError
from behavert.train import TrainConfig

VOCAB = {"attack": 0, "investigation": 1, "mount": 2, "other": 3}


def synthetic_calms21(split: str, n_seq: int, n_frames: int, seed: int) -> dict:
    """Synthetic CalMS21 task-1 dict: the intruder's distance sets the behaviour."""
    rng = np.random.default_rng(seed)
    seqs = {}
    for s in range(n_seq):
        ann = np.repeat(rng.integers(0, 4, n_frames // 10 + 1), 10)[:n_frames]
        base = rng.uniform(200, 400, (1, 2, 1))
        kp = base + rng.normal(0, 5, (n_frames, 2, 7))  # (frame, xy, keypoint)
        other = kp + (40 * (ann + 1))[:, None, None]
        keypoints = np.stack([kp, other], axis=1)  # (frame, mouse, xy, keypoint)
        seqs[f"task1/{split}/mouse{s + 1:03d}_task1_annotator1"] = {
            "keypoints": keypoints.round(2).tolist(),
            "scores": np.ones((n_frames, 2, 7)).tolist(),
            "annotations": ann.tolist(),
            "metadata": {"annotator-id": 0, "vocab": VOCAB},
        }
    return {"annotator-id_0": seqs}


@pytest.fixture
def calms21_dir(tmp_path):
    d = tmp_path / "task1_classic_classification"
    d.mkdir()
    for split, seed in (("train", 0), ("test", 1)):
        data = synthetic_calms21(split, n_seq=2, n_frames=80, seed=seed)
        (d / f"calms21_task1_{split}.json").write_text(json.dumps(data))
    return tmp_path


def test_run_calms21_task1_end_to_end(calms21_dir):
    tc = TrainConfig(max_steps=3, batch_size=2, warmup_steps=1)
    result = run_calms21_task1(calms21_dir, preset="tiny", train_config=tc, window=64)
    assert result["references"] == CALMS21_TASK1_REFERENCES
    assert result["references"]["MABe 2021 top entry"]["macro_f1"] == 0.864
    assert set(result["per_class_f1"]) == set(VOCAB)
    assert result["averaged_over"] == ["attack", "investigation", "mount"]
    assert 0.0 <= result["macro_f1"] <= 1.0 and 0.0 <= result["mean_ap"] <= 1.0
    assert result["n_test_frames"] == 160 and result["n_train_sequences"] == 2


def test_cli_entry_writes_json_and_table(calms21_dir, tmp_path):
    text = run_benchmark("calms21", calms21_dir, out=tmp_path / "o", quick=True)
    assert "MABe 2021 top entry" in text and "0.864" in text and "0.856" in text
    saved = json.loads((tmp_path / "o" / "calms21_task1.json").read_text())
    assert saved["quick"] is True and "macro_f1" in saved
    with pytest.raises(ConfigError, match="unknown benchmark"):
        run_benchmark("nope", calms21_dir)


def test_score_means_exclude_other():
    names = ("attack", "investigation", "mount", "other")
    y = np.array([0, 1, 2, 3, 3, 3])
    probs = np.eye(4)[[0, 1, 2, 0, 3, 3]]  # one 'other' frame called attack
    s = score_calms21_task1(y, probs, names)
    assert s["per_class_f1"]["attack"] == pytest.approx(2 / 3)
    assert s["macro_f1"] == pytest.approx((2 / 3 + 1 + 1) / 3)
    assert s["per_class_f1"]["other"] == pytest.approx(0.8)


def test_missing_files_named(tmp_path):
    with pytest.raises(FileProblemError, match="calms21_task1_train"):
        find_calms21_task1(tmp_path)
