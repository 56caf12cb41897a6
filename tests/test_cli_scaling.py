"""docs/scaling.md's commands: pretraining under torchrun with two CPU processes,
and predict/embed split with --shard i/N, whose outputs together equal one
unsharded run file for file, checked by `behavert merge-shards`."""

from __future__ import annotations

import filecmp
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from behavert.cli import app
from behavert.datasets.synthetic import generate_synthetic, labels_frame
from behavert.io.save import save_dlc

TINY = ["--preset", "tiny", "--steps", "3", "--batch-size", "4", "--window", "64"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Four synthetic recordings (two share a file name) and two tiny runs."""
    folder = tmp_path_factory.mktemp("scaling")
    paths = []
    for i, sub in enumerate(["a", "a", "b", "c"]):
        (folder / sub).mkdir(exist_ok=True)
        name = "synthetic_mouse" if i < 2 else f"synthetic_{i}"
        where = folder / (sub if i else "z") / f"{name}DLC.h5"
        where.parent.mkdir(exist_ok=True)
        paths.append(save_dlc(generate_synthetic(150, seed=i).poses, where))
    labels = folder / "labels.csv"
    labels_frame(generate_synthetic(150, seed=0)).to_csv(labels, index=False)
    pre, frames = folder / "pre", folder / "frames"
    assert app(["pretrain", str(paths[0]), "--out", str(pre), *TINY]) == 0
    argv = ["train", str(paths[0]), "--labels", str(labels), "--out", str(frames)]
    assert app([*argv, *TINY]) == 0
    return {"paths": [str(p) for p in paths], "pre": pre, "frames": frames}


def _same_files(a: Path, b: Path) -> list[str]:
    names = sorted(p.name for p in a.iterdir() if p.is_file())
    assert names == sorted(p.name for p in b.iterdir() if p.is_file())
    for name in names:
        if name.endswith(".npz"):
            x, y = np.load(a / name), np.load(b / name)
            assert sorted(x) == sorted(y)
            for key in x:
                np.testing.assert_array_equal(x[key], y[key])
        else:
            assert filecmp.cmp(a / name, b / name, shallow=False), name
    return names


@pytest.mark.parametrize("command", ["embed", "predict"])
def test_shards_together_equal_one_unsharded_run(command, corpus, tmp_path, capsys):
    run = corpus["pre"] if command == "embed" else corpus["frames"]
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    assert app([command, str(run), *corpus["paths"], "--out", str(whole)]) == 0
    # the file list in another order, as a job array's tasks might glob it
    shuffled = corpus["paths"][::-1]
    for i in range(3):
        argv = [command, str(run), *shuffled, "--out", str(parts), "--shard", f"{i}/3"]
        assert app(argv) == 0
    written = _same_files(whole, parts)
    assert len(written) == 4  # four recordings, two of one file name: none lost
    capsys.readouterr()
    assert app(["merge-shards", str(parts)]) == 0
    assert "4 recordings done exactly once by 3 shard(s)" in capsys.readouterr().out
    manifest = json.loads((parts / "manifest.json").read_text())
    assert sorted(o for outs in manifest["outputs"].values() for o in outs) == written


def test_merge_names_a_missing_shard_and_a_different_file_list(
    corpus, tmp_path, capsys
):
    out = tmp_path / "parts"
    run, paths = str(corpus["pre"]), corpus["paths"]
    assert app(["embed", run, *paths, "--out", str(out), "--shard", "0/2"]) == 0
    capsys.readouterr()
    assert app(["merge-shards", str(out)]) == 2
    assert "shard(s) [1] of 2 have not run" in capsys.readouterr().err
    assert app(["embed", run, *paths[:3], "--out", str(out), "--shard", "1/2"]) == 0
    capsys.readouterr()
    assert app(["merge-shards", str(out)]) == 2
    assert "different file lists" in capsys.readouterr().err


def test_bad_shard_specs_are_usage_errors(corpus, tmp_path, capsys):
    for spec in ("2/2", "1", "-1/3", "a/b"):
        with pytest.raises(SystemExit) as exit_:
            app(
                [
                    "embed",
                    str(corpus["pre"]),
                    *corpus["paths"],
                    "--out",
                    "x",
                    "--shard",
                    spec,
                ]
            )
        assert exit_.value.code == 2
        assert "--shard" in capsys.readouterr().err


def test_pretraining_under_torchrun_with_two_cpu_processes(corpus, tmp_path):
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    assert torchrun, "torchrun comes with torch"
    out = tmp_path / "ddp"
    command = [torchrun, "--standalone", "--nproc_per_node", "2", "-m", "behavert.cli"]
    command += ["pretrain", *corpus["paths"][:2], *TINY, "--device", "cpu"]
    command += ["--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    meta = json.loads((out / "model" / "meta.json").read_text())
    assert meta["task"] == "pretrain" and meta["train_config"]["max_steps"] == 3
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == [
        "checkpoint-00000003"
    ]
