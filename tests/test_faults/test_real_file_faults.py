"""Faults made from copies of the real files in ../shared/data, through the
command line, each checked against the clean file's own output: frame 0
without detections, rows out of order, duplicated or missing, corrupt
coordinates, BORIS files with bad times or reversed bouts, and two recordings
with one file name."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pandas as pd
import pytest
from faults_helpers import emptied_first_frame, predictions, read_dlc_csv_lines, run_cli

from behavert.io import load_poses

OPENFIELD = "dlc/openfield_pranav/openfield_dlc_inference_example.csv"


def _predict(run, poses, out, capsys) -> tuple[pd.DataFrame, str]:
    code, err = run_cli(["predict", run, poses, "--out", out], capsys)
    assert code == 0, err
    return predictions(out), err


@pytest.fixture(scope="module")
def clean(ethome_run, tmp_path_factory):
    """The clean ethome file's predictions (computed once)."""
    from behavert.cli import app

    out = tmp_path_factory.mktemp("clean")
    assert (
        app(
            [
                "predict",
                str(ethome_run["run"]),
                str(ethome_run["poses"]),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return predictions(out)


def _rows(path, out, edit):
    head, rows = read_dlc_csv_lines(path)
    out.write_text("\n".join([*head, *edit(rows)]) + "\n")
    return out


def test_frame_0_without_detections_keeps_every_frame(
    ethome_run, clean, shared_data, tmp_path, capsys
):
    copy = emptied_first_frame(ethome_run["poses"], tmp_path / "ethome_frame0DLC.csv")
    table, _ = _predict(ethome_run["run"], copy, tmp_path / "out", capsys)
    assert len(table) == len(clean) == 5700
    assert table["frame"].tolist() == clean["frame"].tolist()
    window = 64  # frames past the first window never see frame 0
    p = table.filter(like="p_").to_numpy()[window:]
    q = clean.filter(like="p_").to_numpy()[window:]
    np.testing.assert_allclose(p, q, atol=1e-5)
    field = emptied_first_frame(shared_data / OPENFIELD, tmp_path / "openfield0.csv")
    poses, reference = load_poses(field), load_poses(shared_data / OPENFIELD)
    assert poses.n_frames == reference.n_frames == 2330
    assert np.isnan(poses.position[0]).all()
    np.testing.assert_array_equal(poses.position[1:], reference.position[1:])
    np.testing.assert_array_equal(poses.frame_index, reference.frame_index)


@pytest.mark.parametrize(
    "fault, edit, count",
    [
        (
            "shuffled",
            lambda rows: [
                rows[i] for i in np.random.default_rng(0).permutation(len(rows))
            ],
            None,
        ),
        ("duplicated", lambda rows: rows[:3000] + rows[2990:3000] + rows[3000:], 10),
    ],
)
def test_repaired_rows_predict_like_the_clean_file(
    fault, edit, count, ethome_run, clean, tmp_path, capsys
):
    copy = _rows(ethome_run["poses"], tmp_path / f"ethome_{fault}DLC.csv", edit)
    table, err = _predict(ethome_run["run"], copy, tmp_path / "out", capsys)
    assert "behavert: warning" in err and copy.name in err, err
    if count is not None:
        assert re.search(rf"\b{count}\b", err), err
    pd.testing.assert_frame_equal(table, clean, atol=1e-5, rtol=0)


def test_missing_rows_come_back_as_missing_frames(ethome_run, clean, tmp_path, capsys):
    copy = _rows(
        ethome_run["poses"],
        tmp_path / "ethome_gapDLC.csv",
        lambda r: r[:1000] + r[1010:],
    )
    table, err = _predict(ethome_run["run"], copy, tmp_path / "out", capsys)
    assert "10" in err and copy.name in err, err
    assert table["frame"].tolist() == clean["frame"].tolist()
    poses = load_poses(copy)
    assert np.isnan(poses.position[1000:1010]).all()


def test_negative_frame_numbers_are_refused(ethome_run, tmp_path, capsys):
    def negate(rows):
        return ["-1" + r[r.index(",") :] if i == 5 else r for i, r in enumerate(rows)]

    copy = _rows(ethome_run["poses"], tmp_path / "ethome_negativeDLC.csv", negate)
    code, err = run_cli(["info", copy], capsys)
    assert code == 2 and copy.name in err and "negative" in err, err


def test_corrupt_coordinates_are_dropped_with_a_count(
    ethome_run, clean, tmp_path, capsys
):
    def corrupt(rows):
        rows = list(rows)
        for i in (2000, 2001, 2002, 4000):
            cells = rows[i].split(",")
            cells[1] = "1e30"
            rows[i] = ",".join(cells)
        return rows

    copy = _rows(ethome_run["poses"], tmp_path / "ethome_corruptDLC.csv", corrupt)
    table, err = _predict(ethome_run["run"], copy, tmp_path / "out", capsys)
    assert copy.name in err and re.search(r"\b4\b", err), err
    assert table["frame"].tolist() == clean["frame"].tolist()
    far = np.r_[0:1900, 2100:3900]  # windows that never see a corrupted frame
    np.testing.assert_allclose(
        table.filter(like="p_").to_numpy()[far],
        clean.filter(like="p_").to_numpy()[far],
        atol=1e-5,
    )


def _boris_copy(ethome_run, tmp_path, edit):
    lines = ethome_run["boris"].read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Time,")) + 1
    lines = edit(lines, start)
    path = tmp_path / "ethome_events_copy.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _set_time(value):
    def edit(lines, start):
        cells = lines[start].split(",")
        cells[0] = value
        lines[start] = ",".join(cells)
        return lines

    return edit


@pytest.mark.parametrize("value", ["29.85s", ""])
def test_bad_boris_times_are_refused(value, ethome_run, tmp_path, capsys):
    boris = _boris_copy(ethome_run, tmp_path, _set_time(value))
    argv = ["evaluate", ethome_run["run"], ethome_run["poses"], "--labels", boris]
    code, err = run_cli(argv, capsys)
    assert code == 2 and boris.name in err and "Traceback" not in err, err


def test_reversed_boris_bout_is_reported(ethome_run, tmp_path, capsys):
    def reverse(lines, start):  # the first bout's STOP time before its START
        cells = lines[start + 1].split(",")
        cells[0] = "20.000"
        lines[start + 1] = ",".join(cells)
        return lines

    boris = _boris_copy(ethome_run, tmp_path, reverse)
    out = tmp_path / "metrics.json"
    argv = [
        "evaluate",
        ethome_run["run"],
        ethome_run["poses"],
        "--labels",
        boris,
        "--out",
        out,
    ]
    code, err = run_cli(argv, capsys)
    assert code == 0, err
    assert "behavert: warning" in err and boris.name in err and "1 bout" in err, err


def test_same_file_names_in_two_folders_give_two_outputs(ethome_run, tmp_path, capsys):
    for day in ("day1", "day2"):
        (tmp_path / day).mkdir()
        shutil.copy(ethome_run["poses"], tmp_path / day / ethome_run["poses"].name)
    files = [tmp_path / d / ethome_run["poses"].name for d in ("day1", "day2")]
    code, err = run_cli(
        ["predict", ethome_run["run"], *files, "--out", tmp_path / "out"], capsys
    )
    assert code == 0, err
    written = sorted(p.name for p in (tmp_path / "out").glob("*_behaviour.csv"))
    assert (
        len(written) == 2
        and written[0].startswith("day1__")
        and written[1].startswith("day2__")
    )
