"""Run folders that protect the user's work (behavert.train.run_folder, issue 12).

Each test is a data-loss case of the issue, through the command line (``app``,
or a real ``behavert`` subprocess where a process must die) or the Python API:
``--out`` equal to / inside / around ``--init``, training over a finished run,
resuming another run's checkpoint, a killed run, two runs in one folder, an
unwritable folder, a diverging run, and file modes under umask 022.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch

from behavert.cli import app
from behavert.errors import (
    ConfigError,
    RunFolderError,
    TrainingDivergedError,
)
from behavert.io.labels import FrameLabels
from behavert.train import finetune_frames, pretrain
from behavert.train.checkpoint import (
    find_last_checkpoint,
    load_checkpoint_state,
    load_weights,
)
from behavert.train.config import TrainConfig
from behavert.train.loop import run_to_end, train_task
from behavert.train.run_folder import check_out_folder, run_lock

FAST = ["--preset", "tiny", "--steps", "4", "--batch-size", "4", "--window", "64"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Two synthetic recordings as DLC .h5 with per-frame label CSVs."""
    from behavert.datasets.synthetic import generate_synthetic, labels_frame
    from behavert.io.save import save_dlc

    folder = tmp_path_factory.mktemp("runs")
    poses, labels = [], []
    for i, genotype in enumerate(["wt", "ko"]):
        rec = generate_synthetic(300, genotype=genotype, seed=i)
        path = folder / f"synthetic_{genotype}DLC_test.h5"
        save_dlc(rec.poses, path)
        labels_frame(rec).to_csv(folder / f"{genotype}_labels.csv", index=False)
        poses.append(str(path))
        labels.append(str(folder / f"{genotype}_labels.csv"))
    return {"poses": poses, "labels": labels}


@pytest.fixture()
def frame_labels(walk_poses, walk_labels):
    return [FrameLabels(("close",), (walk_labels(p) == 1)[:, None]) for p in walk_poses]


def _code(argv) -> int:
    """``app(argv)``; an argparse refusal (SystemExit) gives its exit code."""
    try:
        return app([str(a) for a in argv])
    except SystemExit as stop:
        return int(stop.code)


def _bytes(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _step(checkpoint: Path) -> int:
    return int(checkpoint.name.split("-")[1])


def _cancel_after(n: int, seen: list):
    return lambda: len(seen) >= n


# ----------------------------------------------------------- --init vs --out
def test_out_equal_inside_or_around_init_is_refused(files, tmp_path, capsys):
    pre = tmp_path / "pre"
    assert _code(["pretrain", *files["poses"], "--out", pre, *FAST]) == 0
    before = _bytes(pre / "model")
    checkpoints = sorted(p.name for p in (pre / "checkpoints").iterdir())
    link = tmp_path / "link"
    link.symlink_to(pre)
    train = ["train", *files["poses"], "--labels", *files["labels"], *FAST]
    for init, out in [
        (pre, pre),  # the case: replaced the pretrained model
        (pre, pre / "model"),
        (pre / "model", pre),
        (pre, pre / "finetuned"),
        (link, pre),  # the same folder under another name
    ]:
        capsys.readouterr()
        assert _code([*train, "--init", init, "--out", out]) == 2, (init, out)
        err = capsys.readouterr().err
        assert str(out) in err and str(init) in err and "initial run" in err
    args = ["transfer", pre, "--to", files["poses"][0], "--out", pre, *FAST]
    assert _code(args) == 2
    assert str(pre) in capsys.readouterr().err
    assert _bytes(pre / "model") == before  # the pretrained model is untouched
    assert sorted(p.name for p in (pre / "checkpoints").iterdir()) == checkpoints
    assert not (pre / "finetuned").exists()


def test_api_refuses_the_init_runs_folder(walk_poses, frame_labels, small_tc, tmp_path):
    pre = run_to_end(pretrain(walk_poses, train_config=small_tc, out=tmp_path / "p"))
    assert pre.out == tmp_path / "p"
    with pytest.raises(RunFolderError, match="initial run"):
        next(
            finetune_frames(
                walk_poses, frame_labels, pre, train_config=small_tc, out=pre.out
            )
        )
    with pytest.raises(RunFolderError, match="initial run"):
        check_out_folder(tmp_path, init=pre)  # out holds the init run


# ------------------------------------------------------------ finished runs
def test_a_finished_run_is_kept_unless_overwrite(files, tmp_path, capsys):
    out = tmp_path / "run"
    assert _code(["pretrain", *files["poses"], "--out", out, *FAST]) == 0
    before = _bytes(out / "model")
    capsys.readouterr()
    # the issue: 0 steps, a tokenizer refitted on new data, printed success
    assert _code(["pretrain", files["poses"][0], "--out", out, *FAST]) == 2
    err = capsys.readouterr().err
    assert str(out) in err and "finished run" in err and "--overwrite" in err
    assert _bytes(out / "model") == before
    args = ["pretrain", files["poses"][0], "--out", out, "--overwrite", *FAST]
    assert _code(args) == 0
    after = _bytes(out / "model")
    assert after["tokenizer.json"] != before["tokenizer.json"]  # the new data's
    assert after["model.safetensors"] != before["model.safetensors"]
    (last,) = (out / "checkpoints").iterdir()  # the old checkpoints are gone
    info = load_checkpoint_state(last)["info"]
    assert info["fingerprint"]["data"]["recordings"] == 1


# ------------------------------------------------------- checkpoint matching
def test_another_runs_checkpoint_is_refused_with_the_reason(
    walk_poses, walk_tokenizer, small_tc, tmp_path
):
    seen: list = []
    run_to_end(
        pretrain(
            walk_poses,
            walk_tokenizer,
            train_config=small_tc,
            out=tmp_path,
            cancel=_cancel_after(2, seen),
        ),
        seen.append,
    )
    assert _step(find_last_checkpoint(tmp_path / "checkpoints")) == 2
    other_tokenizer = type(walk_tokenizer)(walk_tokenizer.config).fit(walk_poses[:1])
    cases = [
        ({"train_config": small_tc.replace(lr=1e-3)}, "training.lr"),
        ({"train_config": small_tc.replace(max_steps=9)}, "training.total_steps"),
        ({"poses_list": walk_poses[:1]}, "data.recordings"),
        ({"tokenizer": other_tokenizer}, "tokenizer"),
        ({"config": "small"}, "model.hidden_size"),
    ]
    for change, field in cases:
        kwargs = {
            "poses_list": walk_poses,
            "tokenizer": walk_tokenizer,
            "train_config": small_tc,
            **change,
        }
        with pytest.raises(RunFolderError, match="belongs to another run") as info:
            next(pretrain(out=tmp_path, **kwargs))
        assert field in str(info.value) and "--overwrite" in str(info.value)
    with pytest.raises(RunFolderError, match="resume=False"):
        next(pretrain(walk_poses, walk_tokenizer, train_config=small_tc,
                      out=tmp_path, resume=False))  # fmt: skip
    # the same run resumes
    resumed = run_to_end(
        pretrain(walk_poses, walk_tokenizer, train_config=small_tc, out=tmp_path)
    )
    assert resumed.history[0][0] == 3
    # overwrite starts afresh, and the old checkpoints go at the first new one
    fresh = run_to_end(
        pretrain(
            walk_poses[:1],
            walk_tokenizer,
            train_config=small_tc.replace(max_steps=3),
            out=tmp_path,
            overwrite=True,
        )
    )
    assert fresh.history[0][0] == 1
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == [
        "checkpoint-00000003"
    ]


def test_fine_tune_resumes_beside_another_phases_checkpoint(
    walk_poses, walk_tokenizer, frame_labels, small_tc, tmp_path
):
    """The issue: killed in a folder holding a pretrain checkpoint, it restarted."""
    seen: list = []
    run_to_end(
        pretrain(walk_poses, walk_tokenizer, train_config=small_tc, out=tmp_path,
                 cancel=_cancel_after(1, seen)),
        seen.append,
    )  # fmt: skip
    pretrain_checkpoint = find_last_checkpoint(tmp_path / "checkpoints")
    tc = small_tc.replace(checkpoint_every=1)
    seen.clear()
    gen = finetune_frames(
        walk_poses,
        frame_labels,
        tokenizer=walk_tokenizer,
        train_config=tc,
        out=tmp_path,
    )
    for event in gen:
        seen.append(event)
        if event.step == 3:
            break
    gen.close()  # like a kill after the step-3 checkpoint
    last = find_last_checkpoint(tmp_path / "checkpoints", phase="frames")
    assert _step(last) == 3 and pretrain_checkpoint.exists()
    resumed = run_to_end(
        finetune_frames(
            walk_poses,
            frame_labels,
            tokenizer=walk_tokenizer,
            train_config=tc,
            out=tmp_path,
        )
    )
    assert resumed.history[0][0] == 4
    assert pretrain_checkpoint.exists()  # another phase's work is left alone
    assert (tmp_path / "model" / "config.json").is_file()


def test_transfer_resumes_both_phases(walk_poses, walk_tokenizer, small_tc, tmp_path):
    from behavert.train.transfer import transfer

    pre = run_to_end(
        pretrain(walk_poses, walk_tokenizer, train_config=small_tc, out=tmp_path / "p")
    )
    for out in (pre.out, pre.out / "moved"):
        with pytest.raises(RunFolderError, match="initial run"):
            next(transfer(pre, target_poses_list=walk_poses, out=out))
    out = tmp_path / "t"
    tc = small_tc.replace(checkpoint_every=1)
    phases = []
    gen = transfer(pre, target_poses_list=walk_poses, realign_steps=2,
                   train_config=tc, out=out)  # fmt: skip
    for event in gen:
        phases.append((event.phase, event.step))
        if event.phase == "pretrain" and event.step == 2:
            break
    gen.close()
    assert phases[:2] == [("realign", 1), ("realign", 2)]
    events = []
    result = run_to_end(
        transfer(
            pre, target_poses_list=walk_poses, realign_steps=2, train_config=tc, out=out
        ),  # fmt: skip
        events.append,
    )
    assert [(e.phase, e.step) for e in events][0] == ("pretrain", 3)
    assert not result.cancelled and (out / "model" / "config.json").is_file()


# ------------------------------------------------------------- a killed run
def test_killed_cli_pretrain_resumes_at_its_checkpoint(files, tmp_path, monkeypatch):
    from behavert.cli.common import ProgressBar

    run = tmp_path / "run"
    args = ["pretrain", *files["poses"], "--out", str(run), *FAST[:2], "--steps"]
    args += ["20", "--batch-size", "4", "--window", "64", "--checkpoint-every", "1"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "behavert.cli.main", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            last = find_last_checkpoint(run / "checkpoints")
            if last is not None and _step(last) >= 2:
                break
            if proc.poll() is not None:
                pytest.fail("behavert pretrain ended before it was killed")
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    killed_at = _step(find_last_checkpoint(run / "checkpoints"))
    assert 2 <= killed_at < 20 and not (run / "model").exists()
    # the dead process's lock file is still there; it must not block
    assert (run / ".behavert.lock").read_text().strip() == str(proc.pid)
    steps = []
    monkeypatch.setattr(ProgressBar, "update", lambda self, e: steps.append(e.step))
    assert _code(args) == 0
    assert steps[0] == killed_at + 1 and steps[-1] == 20
    assert (run / "model" / "model.safetensors").is_file()


# ------------------------------------------------------------------ the lock
def test_a_second_run_into_a_locked_folder_fails_at_once(files, tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from behavert.train.run_folder import run_lock\n"
            "with run_lock(sys.argv[1]):\n"
            "    print('locked', flush=True); time.sleep(120)",
            str(out),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        start = time.monotonic()
        assert _code(["pretrain", *files["poses"], "--out", out, *FAST]) == 2
        assert time.monotonic() - start < 30  # before loading or training
        err = capsys.readouterr().err
        assert f"another behavert run (pid {holder.pid})" in err and str(out) in err
        assert sorted(p.name for p in out.iterdir()) == [".behavert.lock"]
    finally:
        holder.kill()
        holder.wait(30)
    # the holder died: its lock went with it
    assert _code(["pretrain", *files["poses"], "--out", out, *FAST]) == 0


def test_the_lock_is_held_while_training_and_released_after(
    walk_poses, walk_tokenizer, small_tc, tmp_path
):
    def other_thread() -> str:
        found = []

        def attempt():
            try:
                check_out_folder(tmp_path)
                found.append("free")
            except RunFolderError as error:
                found.append(str(error))

        thread = threading.Thread(target=attempt)
        thread.start()
        thread.join()
        return found[0]

    gen = pretrain(walk_poses, walk_tokenizer, train_config=small_tc, out=tmp_path)
    next(gen)
    assert f"pid {os.getpid()}" in other_thread()
    gen.close()  # napari's abort, a break in a for loop
    assert other_thread() == "free"


# ------------------------------------------------------ an unwritable --out
def test_an_unwritable_out_fails_before_training(
    files, walk_poses, small_tc, tmp_path, capsys, monkeypatch
):
    from behavert.cli.common import ProgressBar

    steps = []
    monkeypatch.setattr(ProgressBar, "update", lambda self, e: steps.append(e.step))
    regular = tmp_path / "notes.txt"
    regular.write_text("not a folder")
    outs = [regular / "run", regular]
    if Path("/sys/kernel").is_dir():  # read-only even for root
        outs.append(Path("/sys/kernel/behavert-test"))
    for out in outs:
        capsys.readouterr()
        assert _code(["pretrain", *files["poses"], "--out", out, *FAST]) == 2
        assert str(out) in capsys.readouterr().err
    assert steps == []  # no training step was taken
    assert not Path("/sys/kernel/behavert-test").exists()
    with pytest.raises(RunFolderError, match="cannot be written"):
        next(pretrain(walk_poses, train_config=small_tc, out=regular / "run"))


# --------------------------------------------------------------- divergence
def _task(walk_poses, walk_tokenizer, tc, compute_loss):
    from behavert.inference.runner import features_of
    from behavert.model import BehavertConfig, BehavertForMaskedPoseModeling
    from behavert.train.tasks import masked_pose_task

    torch.manual_seed(0)
    config = BehavertConfig.from_preset(
        "tiny", feature_size=walk_tokenizer.feature_size, window=64, stride=32
    )
    model = BehavertForMaskedPoseModeling(config)
    features = [features_of(walk_tokenizer, p) for p in walk_poses]
    task = masked_pose_task("pretrain", model, walk_tokenizer, features, tc)
    task.compute_loss = compute_loss
    return task


def test_a_non_finite_loss_aborts_and_keeps_the_last_good_checkpoint(
    walk_poses, walk_tokenizer, small_tc, tmp_path
):
    tc = small_tc.replace(checkpoint_every=1)
    calls = []

    def nan_at_step_3(model, batch):
        calls.append(1)
        loss = model(**batch).loss
        return loss * float("nan") if len(calls) >= 3 else loss

    task = _task(walk_poses, walk_tokenizer, tc, nan_at_step_3)
    with pytest.raises(TrainingDivergedError, match="step 3 of 6") as info:
        run_to_end(train_task(task, tc, out=tmp_path))
    assert "--lr" in str(info.value) and "checkpoint-00000002" in str(info.value)
    assert info.value.exit_code == 1
    last = find_last_checkpoint(tmp_path / "checkpoints")
    assert _step(last) == 2 and not (tmp_path / "model").exists()
    load_weights(task.model, last)
    assert all(torch.isfinite(p).all() for p in task.model.parameters())
    with run_lock(tmp_path):  # released although the run failed
        pass


def test_non_finite_weights_are_never_written(
    walk_poses, walk_tokenizer, small_tc, tmp_path
):
    from behavert.train.run import save_run

    tc = small_tc.replace(checkpoint_every=1)
    calls = []

    def poison_at_step_2(model, batch):
        calls.append(1)
        loss = model(**batch).loss
        if len(calls) == 2:  # the loss is finite, the weights are not
            with torch.no_grad():
                next(model.parameters()).fill_(float("inf"))
        return loss

    task = _task(walk_poses, walk_tokenizer, tc, poison_at_step_2)
    with pytest.raises(TrainingDivergedError, match="not finite"):
        run_to_end(train_task(task, tc, out=tmp_path))
    assert _step(find_last_checkpoint(tmp_path / "checkpoints")) == 1
    with pytest.raises(TrainingDivergedError, match="not finite"):
        save_run(tmp_path / "model", task.model, walk_tokenizer)
    assert not (tmp_path / "model").exists()


def test_cli_divergence_exits_1_and_bad_numbers_exit_2(files, tmp_path, capsys):
    out = tmp_path / "run"
    args = ["pretrain", *files["poses"], "--out", out, *FAST, "--checkpoint-every", 1]
    assert _code([*args, "--lr", "1e30"]) == 1
    err = capsys.readouterr().err
    assert "diverged" in err and "--lr" in err
    assert not (out / "model").exists()
    assert _step(find_last_checkpoint(out / "checkpoints")) == 1
    for lr in ("inf", "nan", "0", "-1"):
        other = tmp_path / f"lr{lr}"
        code = _code(["pretrain", *files["poses"], "--out", other, *FAST, "--lr", lr])
        assert code == 2 and not other.exists(), lr
    train = ["train", *files["poses"], "--labels", *files["labels"], *FAST]
    assert _code([*train, "--out", tmp_path / "t", "--lr", "inf"]) == 2
    assert not (tmp_path / "t").exists()


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("lr", float("inf")),
        ("lr", float("nan")),
        ("lr", 0.0),
        ("lr", -1e-3),
        ("batch_size", 0),
        ("batch_size", 2.5),
        ("max_steps", 0),
        ("weight_decay", float("inf")),
        ("grad_clip", float("nan")),
        ("warmup_steps", True),
    ],
)
def test_train_config_rejects_bad_numbers_by_name(option, value):
    with pytest.raises(ConfigError, match=option):
        TrainConfig(**{option: value})


# -------------------------------------------------------------------- umask
def test_checkpoints_and_runs_follow_the_umask(
    walk_poses, walk_tokenizer, small_tc, tmp_path
):
    old = os.umask(0o022)
    try:
        run_to_end(
            pretrain(walk_poses, walk_tokenizer, train_config=small_tc, out=tmp_path)
        )
    finally:
        os.umask(old)
    paths = [
        p
        for folder in (tmp_path / "model", tmp_path / "checkpoints")
        for p in [folder, *folder.rglob("*")]
    ]
    assert len(paths) > 8
    modes = {str(p): stat.S_IMODE(p.stat().st_mode) for p in paths}
    expected = {p: 0o755 if Path(p).is_dir() else 0o644 for p in modes}
    wrong = {p: oct(m) for p, m in modes.items() if m != expected[p]}
    assert not wrong
