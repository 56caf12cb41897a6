"""--project in place of pose files, on the shared DeepLabCut project."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from behavert.cli import app

OPENFIELD = "dlc/openfield_pranav"
TINY = ["--preset", "tiny", "--steps", "3", "--batch-size", "4", "--window", "64"]


def test_train_on_a_project_finds_its_recording_and_video(
    shared_data, tmp_path, capsys
):
    project = shared_data / OPENFIELD
    assert app(["info", "--project", str(project)]) == 0
    out = capsys.readouterr().out
    assert "1 recording(s): openfield_dlc_inference_example.csv" in out
    assert f"video: {project / 'm3v1mp4.mp4'}" in out and "2330 frames" in out

    rng = np.random.default_rng(0)  # synthetic labels: bouts of "rearing"
    rearing = np.zeros(2330, dtype=int)
    for start in rng.choice(2200, 12, replace=False):
        rearing[start : start + 60] = 1
    labels = tmp_path / "synthetic_openfield_labels.csv"
    pd.DataFrame({"frame": np.arange(2330), "rearing": rearing}).to_csv(
        labels, index=False
    )
    run = tmp_path / "run"
    argv = ["train", "--project", str(project), "--labels", str(labels), *TINY]
    assert app([*argv, "--out", str(run)]) == 0
    meta = json.loads((run / "model" / "meta.json").read_text())
    assert meta["frame_labels"] == ["other", "rearing"]
    assert (
        app(
            [
                "predict",
                str(run),
                "--project",
                str(project),
                "--out",
                str(tmp_path / "p"),
            ]
        )
        == 0
    )
    table = pd.read_csv(
        tmp_path / "p" / "openfield_dlc_inference_example_behaviour.csv"
    )
    assert table["frame"].tolist() == list(range(2330))


@pytest.mark.parametrize(
    "argv, message",
    [
        (["info"], "give pose files or --project PATH"),
        (["info", "x.h5", "--project", "{p}"], "not both"),
        (["transfer", "run", "--out", "o"], "give --to or --project PATH"),
        (["info", "--project", "{tmp}"], "holds no recording"),
    ],
)
def test_project_errors(argv, message, shared_data, tmp_path, capsys):
    argv = [a.format(p=shared_data / OPENFIELD, tmp=tmp_path) for a in argv]
    assert app(argv) == 2
    assert message in capsys.readouterr().err
