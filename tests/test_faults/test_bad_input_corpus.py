"""A corpus of bad inputs through the command line: every one ends in a clear
one-line message with the right exit code (2: bad input or arguments), never a
traceback, and the message names the file or the option at fault.

The cases are generated here from a clean synthetic recording and its tiny
trained runs (conftest.py); real-file cases are in test_frame_exact_cli.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from faults_helpers import TINY, read_dlc_csv_lines, run_cli

from behavert.cli import app


def _copy_run(corpus, tmp: Path) -> Path:
    run = tmp / "copied_run"
    shutil.copytree(corpus.run / "model", run)
    return run


def _dlc_with_duplicate_bodypart(corpus, tmp):
    head, rows = read_dlc_csv_lines(corpus.poses)
    parts = head[-2].split(",")
    second = parts[4]
    head[-2] = ",".join(p if p != second else parts[1] for p in parts)
    path = tmp / "synthetic_dupDLC.csv"
    path.write_text("\n".join([*head, *rows]) + "\n")
    return path


def _short_recording(corpus, tmp):
    head, rows = read_dlc_csv_lines(corpus.poses)
    path = tmp / "synthetic_shortDLC.csv"
    path.write_text("\n".join([*head, *rows[:20]]) + "\n")
    labels = tmp / "synthetic_short_labels.csv"
    table = Path(corpus.labels).read_text().splitlines()
    labels.write_text("\n".join(table[:21]) + "\n")
    return path, labels


def _tokenizer_zero_scale(corpus, tmp):
    run = _copy_run(corpus, tmp)
    data = json.loads((run / "tokenizer.json").read_text())
    scale = data["statistics"]["scale"]
    data["statistics"]["scale"] = [0.0] * len(scale)
    (run / "tokenizer.json").write_text(json.dumps(data))
    return run


def _meta_contradicts_config(corpus, tmp):
    run = _copy_run(corpus, tmp)
    meta = json.loads((run / "meta.json").read_text())
    meta["frame_labels"] = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
    (run / "meta.json").write_text(json.dumps(meta))
    return run


def _pickle_weights(corpus, tmp):
    run = _copy_run(corpus, tmp)
    from safetensors.torch import load_file

    state = load_file(str(run / "model.safetensors"))
    torch.save(state, run / "pytorch_model.bin")
    (run / "model.safetensors").unlink()
    return run


def _transfer_target(corpus, tmp):
    """A synthetic 'fly' skeleton sharing one keypoint name with the mouse."""
    import numpy as np

    from behavert.io.poses import Poses
    from behavert.io.save import save_dlc

    rng = np.random.default_rng(0)
    names = ("head", *[f"leg{i}" for i in range(11)], "abdomen")
    position = rng.normal(size=(200, 1, len(names), 2)).cumsum(0)
    poses = Poses(position, np.ones((200, 1, len(names))), names, ("fly",), fps=30.0)
    return save_dlc(poses, tmp / "synthetic_flyDLC.csv")


CASES: dict = {}


def case(name: str, code: int = 2):
    """Register a case: ``fn(corpus, tmp) -> (argv, names the message must hold)``."""

    def register(fn):
        CASES[name] = (fn, code)
        return fn

    return register


# ------------------------------------------------------------------ arguments
@case("batch size 0")
def _batch_size(c, t):
    return ["predict", c.run, c.poses, "--out", t, "--batch-size", "0"], [
        "--batch-size"
    ]


@case("lr inf")
def _lr_inf(c, t):
    argv = ["train", c.poses, "--labels", c.labels, "--out", t / "r", *TINY]
    return [*argv, "--lr", "inf"], ["--lr"]


@case("lr nan")
def _lr_nan(c, t):
    return ["pretrain", c.poses, "--out", t / "r", *TINY, "--lr", "nan"], ["--lr"]


@case("steps 0")
def _steps(c, t):
    return ["pretrain", c.poses, "--out", t / "r", *TINY, "--steps", "0"], ["--steps"]


@case("n motifs 0")
def _motifs(c, t):
    argv = ["analyze", c.pretrained, c.poses, "--out", t, "--n-motifs", "0"]
    return argv, ["--n-motifs"]


@case("likelihood threshold 2")
def _threshold(c, t):
    return ["info", c.poses, "--likelihood-threshold", "2"], ["--likelihood-threshold"]


@case("device gpu")
def _device_gpu(c, t):
    argv = ["pretrain", c.poses, "--out", t / "r", *TINY, "--device", "gpu"]
    return argv, ["--device", "gpu"]


if not torch.cuda.is_available():

    @case("device cuda without a GPU")
    def _device_cuda(c, t):
        argv = ["pretrain", c.poses, "--out", t / "r", *TINY, "--device", "cuda"]
        return argv, ["--device", "cuda"]


# ----------------------------------------------------------------- pose files
@case("missing pose file")
def _missing(c, t):
    return ["info", t / "nowhere_DLC.csv"], ["nowhere_DLC.csv"]


@case("empty pose file")
def _empty(c, t):
    (t / "empty.csv").write_text("")
    return ["info", t / "empty.csv"], ["empty.csv"]


@case("label table given as poses")
def _label_table(c, t):
    return ["info", c.labels], [Path(c.labels).name]


@case("duplicated bodypart")
def _duplicate(c, t):
    return ["info", _dlc_with_duplicate_bodypart(c, t)], ["synthetic_dupDLC.csv"]


@case("recording shorter than a window")
def _short(c, t):
    poses, labels = _short_recording(c, t)
    argv = ["train", poses, "--labels", labels, "--out", t / "r", *TINY]
    return argv, ["synthetic_shortDLC.csv"]


@case("poses of another skeleton")
def _other_skeleton(c, t):
    argv = ["predict", c.run, _transfer_target(c, t), "--out", t / "o"]
    return argv, ["synthetic_flyDLC.csv"]


# ---------------------------------------------------------------- label files
@case("label count mismatch")
def _label_count(c, t):
    argv = ["train", c.poses, c.poses, "--labels", c.labels, "--out", t / "r", *TINY]
    return argv, ["--labels"]


@case("train without labels or groups")
def _no_labels(c, t):
    return ["train", c.poses, "--out", t / "r", *TINY], ["--labels"]


# -------------------------------------------------------------- model folders
@case("missing run folder")
def _missing_run(c, t):
    return ["predict", t / "no_run", c.poses, "--out", t / "o"], ["no_run"]


@case("pickle weights only")
def _pickle(c, t):
    argv = ["predict", _pickle_weights(c, t), c.poses, "--out", t / "o"]
    return argv, ["copied_run", "safetensors"]


@case("tokenizer with zero scales")
def _zero_scales(c, t):
    argv = ["predict", _tokenizer_zero_scale(c, t), c.poses, "--out", t / "o"]
    return argv, ["tokenizer.json"]


@case("meta.json contradicts config.json")
def _meta(c, t):
    argv = ["predict", _meta_contradicts_config(c, t), c.poses, "--out", t / "o"]
    return argv, ["meta.json"]


@case("transfer mapping covers too little")
def _coverage(c, t):
    argv = ["transfer", c.pretrained, "--to", _transfer_target(c, t)]
    argv += ["--out", t / "r", "--realign-steps", "1", *TINY]
    return argv, ["--force-mapping", "1 of the 13"]


# ---------------------------------------------------------------- run folders
@case("--out under a regular file")
def _out_file(c, t):
    (t / "afile").write_text("x")
    return ["pretrain", c.poses, "--out", t / "afile" / "run", *TINY], ["afile"]


@case("--out is --init")
def _out_init(c, t):
    argv = ["train", c.poses, "--labels", c.labels, "--init", c.pretrained]
    argv += ["--out", c.pretrained, *TINY]
    return argv, [Path(c.pretrained).name, "initial run"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gets_a_clear_message(name, corpus, tmp_path, capsys):
    build, code = CASES[name]
    argv, needles = build(corpus, tmp_path)
    got, err = run_cli(argv, capsys)
    assert got == code, f"{name}: exit {got}, stderr:\n{err}"
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if "error" in line]
    assert lines, f"{name}: no error line in:\n{err}"
    for needle in needles:
        assert needle in err, f"{name}: {needle!r} not named in:\n{err}"


def test_force_mapping_transfers_a_poor_mapping_and_says_how_much(
    corpus, tmp_path, capsys
):
    argv = ["transfer", corpus.pretrained, "--to", _transfer_target(corpus, tmp_path)]
    argv += ["--out", tmp_path / "r", "--realign-steps", "1", *TINY, "--force-mapping"]
    capsys.readouterr()
    code = app([str(a) for a in argv])
    printed = capsys.readouterr().out
    assert code == 0
    assert "of the new skeleton's features start from the source model" in printed
    assert (tmp_path / "r" / "model" / "model.safetensors").is_file()
    assert (tmp_path / "r" / "keypoint_mapping.csv").is_file()


def test_demo_rerun_into_its_folder_needs_overwrite(tmp_path, capsys):
    """A second demo into the same folder stops before any work, naming it."""
    (tmp_path / "demo" / "pretrain" / "model").mkdir(parents=True)
    code, err = run_cli(["demo", "--out", tmp_path / "demo", "--quick"], capsys)
    assert code == 2 and "--overwrite" in err and "pretrain" in err, err
    assert not (tmp_path / "demo" / "data").exists()  # nothing was generated
