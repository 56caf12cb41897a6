"""Tests for the training generators (behavert.train.loop, pretraining, finetuning)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from behavert.data.splits import time_block_split
from behavert.data.windows import window_starts
from behavert.io.labels import FrameLabels
from behavert.train import finetune_frames, finetune_sequences, pretrain
from behavert.train.checkpoint import find_last_checkpoint
from behavert.train.config import TrainConfig
from behavert.train.loop import TrainedRun, TrainEvent, run_to_end
from behavert.train.run import load_run, resolve_run


def _weights(model) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _assert_same_weights(a, b, atol=1e-6):
    wa, wb = _weights(a), _weights(b)
    assert wa.keys() == wb.keys()
    for k in wa:
        torch.testing.assert_close(wa[k], wb[k], atol=atol, rtol=1e-5, msg=k)


def test_time_block_split_and_windows():
    train, val = time_block_split(1000, 0.2, n_blocks=2, gap=10)
    assert val.sum() == 200
    assert not (train & val).any()
    # Gap frames belong to neither set.
    assert train.sum() == 1000 - 200 - 10 - 10 - 10
    assert val[400:500].all() and val[900:].all()
    assert time_block_split(50, 0.0)[0].all()
    assert window_starts(100, 64, 32).tolist() == [0, 32, 36]
    assert window_starts(30, 64, 32).tolist() == [0]


def test_pretrain_events_deterministic_and_seeded(walk_poses, walk_tokenizer, small_tc):
    events = []
    run = run_to_end(
        pretrain(walk_poses, walk_tokenizer, "tiny", small_tc), events.append
    )
    assert isinstance(run, TrainedRun)
    assert [e.step for e in events] == list(range(1, 7))
    assert all(isinstance(e, TrainEvent) and e.total == 6 for e in events)
    assert events[0].phase == "pretrain" and "lr" in events[0].metrics
    assert all(np.isfinite(e.loss) for e in events)
    again = run_to_end(pretrain(walk_poses, walk_tokenizer, "tiny", small_tc))
    assert [h[1] for h in again.history] == [e.loss for e in events]
    _assert_same_weights(run.model, again.model, atol=0)
    other = run_to_end(
        pretrain(walk_poses, walk_tokenizer, "tiny", small_tc.replace(seed=1))
    )
    assert [h[1] for h in other.history] != [e.loss for e in events]


def test_pretrain_with_augmentation_and_hidden_animals(
    walk_poses, walk_tokenizer, small_tc
):
    """Both levers run, stay seeded, and change what the model is asked."""
    plain = run_to_end(pretrain(walk_poses, walk_tokenizer, "tiny", small_tc))
    tc = small_tc.replace(augment=("swap", "mirror"), hide_animal=0.5)
    social = run_to_end(pretrain(walk_poses, walk_tokenizer, "tiny", tc))
    again = run_to_end(pretrain(walk_poses, walk_tokenizer, "tiny", tc))
    losses = [h[1] for h in social.history]
    assert all(np.isfinite(losses)) and losses == [h[1] for h in again.history]
    assert losses != [h[1] for h in plain.history]
    assert social.metrics["loss"] > 0


def test_pretrain_fits_tokenizer_and_saves_run(walk_poses, small_tc, tmp_path):
    from behavert.train.run import load_run

    run = run_to_end(pretrain(walk_poses, train_config=small_tc, out=tmp_path))
    assert run.tokenizer.is_fitted
    model, tokenizer, meta = load_run(tmp_path / "model")
    assert meta["task"] == "pretrain" and meta["window"] == 64
    assert meta["train_config"]["max_steps"] == 6
    _assert_same_weights(model, run.model, atol=0)
    ckpt = find_last_checkpoint(tmp_path / "checkpoints")
    assert ckpt is not None and ckpt.name == "checkpoint-00000006"


def test_cancel_callable_stops_cleanly(walk_poses, walk_tokenizer, small_tc, tmp_path):
    seen = []
    run = run_to_end(
        pretrain(
            walk_poses,
            walk_tokenizer,
            train_config=small_tc,
            out=tmp_path,
            cancel=lambda: len(seen) >= 2,
        ),
        seen.append,
    )
    assert run.cancelled and len(run.history) == 2
    assert find_last_checkpoint(tmp_path / "checkpoints").name == "checkpoint-00000002"
    assert not (tmp_path / "model").exists()  # only finished runs are saved


def test_close_then_resume_matches_uninterrupted(walk_poses, walk_tokenizer, tmp_path):
    tc = TrainConfig(
        max_steps=6,
        batch_size=4,
        warmup_steps=2,
        lr=3e-3,
        checkpoint_every=2,
    )
    full = run_to_end(pretrain(walk_poses, walk_tokenizer, train_config=tc))
    gen = pretrain(walk_poses, walk_tokenizer, train_config=tc, out=tmp_path)
    for event in gen:
        if event.step == 3:
            break
    gen.close()  # stops at step 3; the step-2 checkpoint is the last one
    assert find_last_checkpoint(tmp_path / "checkpoints").name == "checkpoint-00000002"
    resumed = run_to_end(
        pretrain(walk_poses, walk_tokenizer, train_config=tc, out=tmp_path)
    )
    assert [s for s, _ in resumed.history] == [3, 4, 5, 6]
    np.testing.assert_allclose(
        [loss for _, loss in resumed.history],
        [loss for _, loss in full.history[2:]],
        rtol=1e-5,
    )
    _assert_same_weights(resumed.model, full.model)


def test_sigkill_mid_run_then_resume(tmp_path, train_script):
    """A real process killed with SIGKILL leaves a usable checkpoint."""
    run_dir = tmp_path / "run"
    env = {**os.environ, "BEHAVERT_TEST_SLEEP": "0.5", "BEHAVERT_TEST_STEPS": "8"}
    proc = subprocess.Popen(
        [
            sys.executable,
            str(train_script.path),
            str(tmp_path / "a.json"),
            str(run_dir),
        ],
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            last = find_last_checkpoint(run_dir / "checkpoints")
            if last is not None and int(last.name.split("-")[1]) >= 3:
                break
            if proc.poll() is not None:
                pytest.fail("the training subprocess ended before it was killed")
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    killed_at = int(find_last_checkpoint(run_dir / "checkpoints").name.split("-")[1])
    assert 3 <= killed_at < 8
    torch.set_num_threads(1)
    tc = train_script.config(checkpoint_every=1)
    resumed = run_to_end(pretrain(train_script.poses(), train_config=tc, out=run_dir))
    assert resumed.history[0][0] == killed_at + 1
    full = run_to_end(pretrain(train_script.poses(), train_config=tc))
    np.testing.assert_allclose(resumed.history[-1][1], full.history[-1][1], rtol=1e-4)
    _assert_same_weights(resumed.model, full.model, atol=1e-5)
    assert not list((run_dir / "checkpoints").glob(".tmp-*"))


@pytest.fixture()
def frame_labels(walk_poses, walk_labels):
    """One-behaviour ``FrameLabels`` ("close") of ``walk_poses``."""
    return [FrameLabels(("close",), (walk_labels(p) == 1)[:, None]) for p in walk_poses]


def test_finetune_frames_validation_and_weights(
    walk_poses, frame_labels, small_tc, tmp_path
):
    pre = run_to_end(pretrain(walk_poses, train_config=small_tc, out=tmp_path / "pre"))
    tc = small_tc.replace(
        val_fraction=0.25, eval_every=3, class_weights="balanced", label_smoothing=0.1
    )
    events = []
    run = run_to_end(
        finetune_frames(
            walk_poses,
            frame_labels,
            init=TrainedRun(*load_run(resolve_run(tmp_path / "pre"))[:2]),
            train_config=tc,
        ),
        events.append,
    )
    model = run.model
    assert type(model).__name__ == "BehavertForFrameClassification"
    assert model.config.frame_labels == ["other", "close"]
    assert len(model.config.class_weights) == 2
    evaluated = [e for e in events if "val/macro_f1" in e.metrics]
    assert [e.step for e in evaluated] == [3, 6]
    assert 0.0 <= run.metrics["macro_f1"] <= 1.0 and "f1/close" in run.metrics
    # A frozen encoder (all steps) keeps the pretrained weights exactly.
    frozen = run_to_end(
        finetune_frames(
            walk_poses,
            frame_labels,
            init=pre,
            train_config=small_tc.replace(freeze_encoder_steps=6),
        )
    )
    pre_enc = pre.model.behavert.state_dict()
    for k, v in frozen.model.behavert.state_dict().items():
        torch.testing.assert_close(v, pre_enc[k], msg=k)
    assert not torch.equal(
        frozen.model.classifier.weight,
        run_to_end(
            finetune_frames(
                walk_poses,
                frame_labels,
                init=pre,
                train_config=small_tc.replace(max_steps=1),
            )
        ).model.classifier.weight,
    )


def test_finetune_frames_early_stopping_and_length_check(
    walk_poses, walk_labels, walk_tokenizer, small_tc
):
    from behavert.errors import LabelFileError

    labels = [walk_labels(p) for p in walk_poses]
    tc = small_tc.replace(
        max_steps=40,
        val_fraction=0.25,
        eval_every=1,
        early_stopping_patience=1,
        lr=1e-6,
        warmup_steps=0,
    )
    run = run_to_end(
        finetune_frames(
            walk_poses,
            labels,
            tokenizer=walk_tokenizer,
            train_config=tc,
            class_names=["far", "close"],
        )
    )
    assert len(run.history) < 40  # stopped early
    assert "best_score" in run.metrics
    with pytest.raises(LabelFileError, match="299"):
        next(finetune_frames(walk_poses, [lab[:-1] for lab in labels], train_config=tc))


def test_finetune_sequences_groups(walk_poses, walk_tokenizer, small_tc):
    tc = small_tc.replace(val_fraction=0.3, eval_every=6)
    run = run_to_end(
        finetune_sequences(
            walk_poses, ["wt", "ko"], tokenizer=walk_tokenizer, train_config=tc
        )
    )
    assert run.model.config.sequence_labels == ["ko", "wt"]
    assert {"accuracy", "roc_auc", "score"} <= set(run.metrics)
    with pytest.raises(ValueError, match="groups"):
        next(finetune_sequences(walk_poses, ["wt"], train_config=tc))


@pytest.mark.skipif(sys.platform == "win32", reason="uses torch.distributed.run")
def test_distributed_two_processes_match_single(tmp_path, train_script):
    """2 gloo CPU processes with the same global batch give the same losses."""
    script = str(train_script.path)
    env = {**os.environ, "BEHAVERT_TEST_STEPS": "5", "OMP_NUM_THREADS": "1"}
    single = subprocess.run(
        [sys.executable, script, str(tmp_path / "one.json")], env=env, timeout=300
    )
    assert single.returncode == 0
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    multi = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node",
            "2",
            "--master_addr",
            "127.0.0.1",
            "--master_port",
            str(port),
            script,
            str(tmp_path / "two.json"),
        ],
        env=env,
        timeout=300,
        capture_output=True,
        text=True,
    )
    assert multi.returncode == 0, multi.stderr[-3000:]
    one = json.loads((tmp_path / "one.json").read_text())
    two = json.loads((tmp_path / "two.json").read_text())
    assert one["world"] == 1 and two["world"] == 2
    assert len(two["losses"]) == 5
    np.testing.assert_allclose(two["losses"], one["losses"], rtol=1e-4)


def test_encoder_lr_scale_slows_the_encoder_not_the_head():
    """The encoder's parameter groups learn at lr * encoder_lr_scale."""
    from behavert.model import BehavertConfig, BehavertForFrameClassification
    from behavert.train.optim import build_optimizer

    model = BehavertForFrameClassification(
        BehavertConfig.from_preset("tiny", feature_size=8, frame_labels=["a", "b"])
    )
    tc = TrainConfig(lr=1e-3, encoder_lr_scale=0.1)
    groups = build_optimizer(model, tc).param_groups
    lr_of = {id(p): g["lr"] for g in groups for p in g["params"]}
    for name, p in model.named_parameters():
        expected = 1e-4 if name.startswith("behavert.") else 1e-3
        assert lr_of[id(p)] == pytest.approx(expected), name
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))


def test_cpu_runs_use_fused_adamw_and_no_attention_dropout():
    """The speed defaults of docs/benchmarks.md: one fused AdamW kernel on the
    CPU, and attention dropout 0 in new models (it forced the slow attention
    path); ``TrainConfig.dropout`` sets hidden and classifier dropout only, and
    a saved model's own attention dropout is kept."""
    from behavert.model import BehavertConfig, BehavertForFrameClassification
    from behavert.train.build import model_config
    from behavert.train.optim import build_optimizer

    model = BehavertForFrameClassification(
        BehavertConfig.from_preset("tiny", feature_size=8, frame_labels=["a", "b"])
    )
    assert model.config.attention_probs_dropout_prob == 0.0
    opt = build_optimizer(model, TrainConfig(device="cpu"))
    assert all(g["fused"] for g in opt.param_groups)
    before = [p.detach().clone() for p in model.parameters()]
    model(inputs=torch.randn(2, 16, 8)).logits.sum().backward()
    opt.step()
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))

    class Tok:
        feature_size = 8

    cfg = model_config("tiny", Tok(), TrainConfig(dropout=0.3), window=64)
    assert cfg.hidden_dropout_prob == cfg.classifier_dropout == 0.3
    assert cfg.attention_probs_dropout_prob == 0.0
    old = BehavertConfig.from_preset("tiny", feature_size=8)
    old.attention_probs_dropout_prob = 0.1  # as saved by an earlier release
    kept = model_config(old, Tok(), TrainConfig(dropout=0.3), window=64)
    assert kept.attention_probs_dropout_prob == 0.1


def test_balanced_weights_cap_a_very_rare_class():
    """A 16-frame class must not outweigh 36,000 background frames 1,700 to 1."""
    from behavert.train.finetuning import MAX_WEIGHT_RATIO, _balanced

    y = np.r_[np.zeros(36_000), np.ones(16), np.full(2_000, 2)].astype(np.int64)
    w = np.array(_balanced([y], 4, multi=False))
    assert w[1] / w[0] == pytest.approx(MAX_WEIGHT_RATIO)
    assert w[2] / w[0] == pytest.approx(18.0)  # inverse frequency below the cap
    assert w.mean() == pytest.approx(1.0)


def test_label_smoothing_with_sparse_labels_does_not_diverge(
    walk_poses, walk_labels, small_tc
):
    """Windows without a labelled frame give no loss, not nan (the model's own
    loss did this; the label-smoothed loss returned 0 / 0 and stopped training
    at 5 % label budgets with "training diverged")."""
    labels = [np.full(p.n_frames, -100, dtype=np.int64) for p in walk_poses]
    labels[0][:8] = walk_labels(walk_poses[0])[:8]
    labels[0][8:16] = 1 - labels[0][:8]  # both classes present
    tc = small_tc.replace(max_steps=12, label_smoothing=0.1)
    run = run_to_end(
        finetune_frames(walk_poses, labels, train_config=tc, class_names=["a", "b"])
    )
    losses = [loss for _, loss in run.history]
    assert len(losses) == 12 and np.isfinite(losses).all()
