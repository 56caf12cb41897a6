"""Frame-exact import (issue 12): every reader's poses keep the file's frames.

``load_poses`` repairs duplicated, unsorted and gapped frame numbers with a
``DataRepairWarning`` that names the file and the count, refuses negative ones,
keeps empty rows as frames of missing points, refuses duplicated body parts and
sets corrupt coordinates (1e30, inf) missing. Each case is checked on a copy of
a real file against the clean file's arrays; hand-made files are ``synthetic``.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from behavert import load_poses
from behavert.errors import DataRepairWarning, FileProblemError
from behavert.io.poses import Poses
from behavert.io.validate import mask_far_points, repair_frames

OPENFIELD = "dlc/openfield_pranav/openfield_dlc_inference_example.csv"
ETHOME = (
    "labelled/ethome_resident_intruder/e3v813a-20210610T122332-122642DLC_"
    "dlcrnetms5_pilot_studySep24shuffle1_100000_el_filtered.csv"
)
DEEPOF_H5 = "dlc/deepof_tests/testDLC_h5_table.h5"
LABELLED = "dlc/openfield_pranav/labeled-data/m4s1/CollectedData_Pranav.csv"
N_FRAMES = {OPENFIELD: 2330, ETHOME: 5700}


def _quiet(path: Path) -> Poses:
    """Load a file and fail on any warning (a clean file gives none)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return load_poses(path)


def _split(path: Path) -> tuple[list[str], list[list[str]]]:
    """A DLC CSV as (header lines, data rows as cell lists)."""
    lines = path.read_text().splitlines()
    n_header = 4 if lines[1].startswith("individuals") else 3
    return lines[:n_header], [line.split(",") for line in lines[n_header:]]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text("\n".join(header + [",".join(r) for r in rows]) + "\n")
    return path


def _repair_message(record) -> str:
    messages = [str(w.message) for w in record if w.category is DataRepairWarning]
    assert len(messages) == 1, messages
    return messages[0]


@pytest.fixture(scope="module")
def openfield(shared_data) -> Poses:
    return _quiet(shared_data / OPENFIELD)


# ------------------------------------------------------------ empty rows
@pytest.mark.parametrize("relpath", [ETHOME, OPENFIELD])
def test_frame0_without_detection_keeps_every_frame(shared_data, tmp_path, relpath):
    """Frame 0's x/y/likelihood cells emptied: every frame, frame 0 all NaN."""
    clean = _quiet(shared_data / relpath)
    assert clean.n_frames == N_FRAMES[relpath]
    header, rows = _split(shared_data / relpath)
    rows[0] = [rows[0][0]] + [""] * (len(rows[0]) - 1)
    copy = _write(tmp_path / f"frame0_empty_{Path(relpath).name}", header, rows)
    poses = _quiet(copy)
    assert poses.n_frames == N_FRAMES[relpath]
    np.testing.assert_array_equal(poses.frame_index, clean.frame_index)
    assert np.isnan(poses.position[0]).all() and np.isnan(poses.confidence[0]).all()
    np.testing.assert_array_equal(poses.position[1:], clean.position[1:])
    np.testing.assert_array_equal(poses.confidence[1:], clean.confidence[1:])


def test_all_nan_recording_keeps_its_frames(shared_data, tmp_path, openfield):
    header, rows = _split(shared_data / OPENFIELD)
    rows = [[r[0]] + [""] * (len(r) - 1) for r in rows]
    copy = _write(tmp_path / "all_empty.csv", header, rows)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        poses = load_poses(copy)
    assert poses.n_frames == 2330
    np.testing.assert_array_equal(poses.frame_index, openfield.frame_index)
    assert np.isnan(poses.position).all() and np.isnan(poses.confidence).all()
    assert not [w for w in record if w.category is DataRepairWarning]


def test_h5_with_nan_frame0(shared_data, tmp_path):
    clean = _quiet(shared_data / DEEPOF_H5)
    df = pd.read_hdf(shared_data / DEEPOF_H5)
    df.iloc[0] = np.nan
    copy = tmp_path / "frame0_nan.h5"
    df.to_hdf(copy, key="df_with_missing", format="table")
    poses = _quiet(copy)
    assert poses.n_frames == clean.n_frames == 100
    np.testing.assert_array_equal(poses.frame_index, clean.frame_index)
    assert np.isnan(poses.position[0]).all()
    np.testing.assert_array_equal(poses.position[1:], clean.position[1:])


# ------------------------------------------------------------ frame numbers
def test_rows_out_of_order_are_sorted(shared_data, tmp_path, openfield):
    header, rows = _split(shared_data / OPENFIELD)
    rows[100:110] = rows[100:110][::-1]  # 10 rows reversed: every one moves
    copy = _write(tmp_path / "unsorted.csv", header, rows)
    with pytest.warns(DataRepairWarning) as record:
        poses = load_poses(copy)
    message = _repair_message(record)
    assert "unsorted.csv" in message and "10 row(s) out of order" in message
    np.testing.assert_array_equal(poses.frame_index, openfield.frame_index)
    np.testing.assert_array_equal(poses.position, openfield.position)
    np.testing.assert_array_equal(poses.confidence, openfield.confidence)


def test_duplicated_frames_keep_the_first(shared_data, tmp_path, openfield):
    header, rows = _split(shared_data / OPENFIELD)
    for i in (5, 50, 500):  # a later row with the same frame and other values
        rows.insert(i + 3, [rows[i][0]] + ["1.5"] * (len(rows[i]) - 1))
    copy = _write(tmp_path / "duplicated.csv", header, rows)
    with pytest.warns(DataRepairWarning) as record:
        poses = load_poses(copy)
    message = _repair_message(record)
    assert "duplicated.csv" in message
    assert "3 duplicated frame number(s): kept the first of each" in message
    assert "out of order" not in message
    np.testing.assert_array_equal(poses.frame_index, openfield.frame_index)
    np.testing.assert_array_equal(poses.position, openfield.position)


def test_missing_run_of_frames_is_filled(shared_data, tmp_path, openfield):
    header, rows = _split(shared_data / OPENFIELD)
    del rows[200:240]
    copy = _write(tmp_path / "gap.csv", header, rows)
    with pytest.warns(DataRepairWarning) as record:
        poses = load_poses(copy)
    message = _repair_message(record)
    assert "gap.csv" in message and "40 missing frame(s)" in message
    np.testing.assert_array_equal(poses.frame_index, openfield.frame_index)
    assert np.isnan(poses.position[200:240]).all()
    assert np.isnan(poses.confidence[200:240]).all()
    keep = np.r_[0:200, 240:2330]
    np.testing.assert_array_equal(poses.position[keep], openfield.position[keep])


def test_every_seventh_frame_is_spread_out(shared_data, tmp_path, openfield):
    header, rows = _split(shared_data / OPENFIELD)
    rows = rows[::7]  # frames 0, 7, 14, ..., 2324: 333 rows
    copy = _write(tmp_path / "every7.csv", header, rows)
    with pytest.warns(DataRepairWarning) as record:
        poses = load_poses(copy)
    message = _repair_message(record)
    assert "every7.csv" in message and f"{2325 - 333} missing frame(s)" in message
    np.testing.assert_array_equal(poses.frame_index, np.arange(2325))
    np.testing.assert_array_equal(poses.position[::7], openfield.position[:2325:7])
    filled = np.ones(2325, bool)
    filled[::7] = False
    assert np.isnan(poses.position[filled]).all()


def test_negative_frame_numbers_are_refused(shared_data, tmp_path):
    header, rows = _split(shared_data / OPENFIELD)
    rows[3][0], rows[4][0] = "-3", "-1"
    copy = _write(tmp_path / "negative.csv", header, rows)
    with pytest.raises(FileProblemError, match=r"negative\.csv.*2 row\(s\).*negative"):
        load_poses(copy)


def test_absurd_gap_is_refused(shared_data, tmp_path):
    header, rows = _split(shared_data / OPENFIELD)
    rows[-1][0] = str(10**7)
    copy = _write(tmp_path / "absurd.csv", header, rows)
    with pytest.raises(FileProblemError) as error:
        load_poses(copy)
    assert "absurd.csv" in str(error.value) and "10000000" in str(error.value)
    assert "100x" in str(error.value)


def test_row_without_frame_number_is_refused(shared_data, tmp_path):
    header, rows = _split(shared_data / OPENFIELD)
    rows[5] = [""] * len(rows[5])
    copy = _write(tmp_path / "no_number.csv", header, rows)
    with pytest.raises(FileProblemError, match=r"no_number\.csv: 1 row\(s\) have no"):
        load_poses(copy)


def test_float_frame_numbers_are_frame_numbers(shared_data, tmp_path, openfield):
    header, rows = _split(shared_data / OPENFIELD)
    for row in rows:
        row[0] += ".0"
    poses = _quiet(_write(tmp_path / "float_index.csv", header, rows))
    assert "kind" not in poses.metadata
    np.testing.assert_array_equal(poses.frame_index, openfield.frame_index)
    np.testing.assert_array_equal(poses.position, openfield.position)


def test_h5_index_out_of_order_and_duplicated(shared_data, tmp_path):
    clean = _quiet(shared_data / DEEPOF_H5)
    df = pd.read_hdf(shared_data / DEEPOF_H5)
    shuffled = df.iloc[np.r_[50:100, 0:50, 10:12]]  # 2 duplicated at the end
    copy = tmp_path / "shuffled.h5"
    shuffled.to_hdf(copy, key="df_with_missing", format="table")
    with pytest.warns(DataRepairWarning) as record:
        poses = load_poses(copy)
    message = _repair_message(record)
    assert "shuffled.h5" in message
    assert "2 duplicated frame number(s)" in message
    assert "100 row(s) out of order" in message
    np.testing.assert_array_equal(poses.frame_index, clean.frame_index)
    np.testing.assert_array_equal(poses.position, clean.position)


def test_labelled_data_gaps_are_sampled_frames_not_filled(shared_data, tmp_path):
    """CollectedData rows are sampled frames: sorted, never gap-filled."""
    clean = _quiet(shared_data / LABELLED)
    lines = (shared_data / LABELLED).read_text().splitlines()
    header, rows = lines[:3], lines[3:]
    numbers = [int(re.findall(r"(\d+)\D*$", r.split(",")[0])[-1]) for r in rows]
    order = np.argsort(numbers)[::-1]  # newest image first
    copy = tmp_path / "CollectedData_synthetic.csv"
    copy.write_text("\n".join(header + [rows[i] for i in order]) + "\n")
    with pytest.warns(DataRepairWarning) as record:
        poses = load_poses(copy)
    assert "row(s) out of order" in _repair_message(record)
    assert poses.metadata["kind"] == "labelled-data"
    np.testing.assert_array_equal(poses.frame_index, clean.frame_index)
    np.testing.assert_array_equal(poses.position, clean.position)
    assert poses.metadata["image_paths"] == clean.metadata["image_paths"]


def test_sampled_frames_keep_their_gaps():
    """repair_frames on labelled-data poses with gaps changes nothing."""
    frames = np.array([3, 40, 41, 900])
    poses = Poses(
        position=np.zeros((4, 1, 2, 2)),
        confidence=np.ones((4, 1, 2)),
        keypoints=("a", "b"),
        individuals=("i",),
        frame_index=frames,
        metadata={"kind": "labelled-data"},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert repair_frames(poses, "synthetic.csv") is poses


# ------------------------------------------------------------ headers
def test_duplicated_bodypart_in_csv_header(shared_data, tmp_path):
    header, rows = _split(shared_data / OPENFIELD)
    cells = header[1].split(",")
    cells[4:7] = ["snout"] * 3  # leftear's columns renamed snout
    header[1] = ",".join(cells)
    copy = _write(tmp_path / "dup_parts.csv", header, rows)
    with pytest.raises(FileProblemError) as error:
        load_poses(copy)
    message = str(error.value)
    assert "dup_parts.csv" in message and "1 body part(s) twice: 'snout'" in message


def test_duplicated_bodypart_in_h5_header(shared_data, tmp_path):
    df = pd.read_hdf(shared_data / DEEPOF_H5)
    columns = [
        (s, "Nose" if b in ("Left_ear", "Right_ear") else b, c)
        for s, b, c in df.columns
    ]
    df.columns = pd.MultiIndex.from_tuples(columns, names=df.columns.names)
    copy = tmp_path / "dup_parts.h5"
    df.to_hdf(copy, key="df_with_missing", format="table")
    with pytest.raises(FileProblemError) as error:
        load_poses(copy)
    assert "dup_parts.h5" in str(error.value) and "'Nose'" in str(error.value)


def test_duplicated_bodypart_in_madlc_header(shared_data, tmp_path):
    header, rows = _split(shared_data / ETHOME)
    cells = header[2].split(",")
    cells[4:7] = [cells[1]] * 3  # adult's leftear renamed nose
    header[2] = ",".join(cells)
    copy = _write(tmp_path / "dup_madlc.csv", header, rows)
    with pytest.raises(FileProblemError, match=r"dup_madlc\.csv.*'adult/nose'"):
        load_poses(copy)


# ------------------------------------------------------------ corrupt values
@pytest.mark.parametrize("bad", ["1e30", "1e200", "inf", "-1e30"])
def test_corrupt_coordinates_become_missing(shared_data, tmp_path, openfield, bad):
    header, rows = _split(shared_data / OPENFIELD)
    rng = np.random.default_rng(42)
    frames = rng.choice(len(rows), size=20, replace=False)
    points = []
    for n, t in enumerate(frames):
        k, xy = n % 4, n % 2  # keypoint and coordinate of the corrupt cell
        rows[t][1 + 3 * k + xy] = bad
        points.append((t, k))
    copy = _write(tmp_path / "corrupt.csv", header, rows)
    with pytest.warns(DataRepairWarning) as record:
        poses = load_poses(copy)
    message = _repair_message(record)
    assert "corrupt.csv" in message and "20 point(s)" in message
    t, k = np.array(points).T
    expected = openfield.position.copy()
    expected[t, 0, k] = np.nan
    confidence = openfield.confidence.copy()
    confidence[t, 0, k] = np.nan
    np.testing.assert_array_equal(poses.position, expected)
    np.testing.assert_array_equal(poses.confidence, confidence)


def test_far_points_rule_on_synthetic_poses():
    rng = np.random.default_rng(42)
    position = rng.uniform(0, 500, size=(300, 2, 3, 2))
    position[7, 1, 2, 0] = 1e12
    position[9, 0, 0, 1] = -np.inf
    poses = Poses(position, np.ones((300, 2, 3)), ("a", "b", "c"), ("m", "f"))
    with pytest.warns(DataRepairWarning, match=r"synthetic\.h5: 2 point\(s\)"):
        fixed = mask_far_points(poses, "synthetic.h5")
    assert np.isnan(fixed.position[7, 1, 2]).all()
    assert np.isnan(fixed.position[9, 0, 0]).all()
    assert int(np.isnan(fixed.position).any(-1).sum()) == 2


# ------------------------------------------------------------ clean files
POSE_GLOBS = (
    "dlc/**/*.h5",
    "dlc/**/*.csv",
    "dlc/**/*.slp",
    "sleap/**/*.slp",
    "sleap/**/*.h5",
    "labelled/*/*DLC*.csv",
    "labelled/rat_social_cba/dlc_csv/*.csv",
)


def test_clean_shared_files_need_no_repair(shared_data):
    """Every DLC/SLEAP file in the shared data loads without any repair."""
    files = [p for pattern in POSE_GLOBS for p in sorted(shared_data.glob(pattern))]
    assert len(files) > 60
    for path in files:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            poses = load_poses(path)
        repairs = [str(w.message) for w in record if w.category is DataRepairWarning]
        assert not repairs, repairs
        steps = np.diff(poses.frame_index)
        if poses.metadata.get("kind") == "labelled-data":
            assert (steps > 0).all(), path
        else:
            assert (steps == 1).all(), path
        if poses.source in ("sleap", "sleap_analysis"):  # arrays from frame 0
            assert poses.frame_index[0] == 0, path
