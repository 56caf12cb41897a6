"""Label problems are never silent (issue 12).

Empty cells in behaviour columns, reversed BORIS bouts, BORIS times that are not
numbers, frame columns that do not fit the poses, and writing labels with the
poses' frame numbers. Hand-made tables are named ``synthetic``.
"""

from __future__ import annotations

import os
import stat
import warnings

import numpy as np
import pytest

from behavert.errors import LabelFileError, LabelWarning
from behavert.io.labels import (
    FrameLabels,
    load_frame_labels,
    save_frame_labels,
    to_class_indices,
)

BORIS = "labelled/ethome_resident_intruder/e3v813a-20210610T122332-122642_reencode.csv"
CRIM = "labelled/dlc2action_crim_sample/Tvideo_8_trim.csv"
BORIS_AGGREGATED = """\
Observation id,obs1
,
Subject,Behavior,Behavioral category,Start (s),Stop (s),Duration (s),FPS
a,sniff,,0.5,1.0,0.5,10
a,sniff,,3.0,2.0,-1.0,10
a,groom,,{start},2.3,0.3,10
"""


def _only(record, category=LabelWarning) -> str:
    messages = [str(w.message) for w in record if issubclass(w.category, category)]
    assert len(messages) == 1, messages
    return messages[0]


# ------------------------------------------------------------ empty cells
def test_empty_cell_keeps_the_behaviour_and_unscores_the_frame(tmp_path):
    f = tmp_path / "synthetic_labels.csv"
    f.write_text("frame,sniff,groom\n0,1,0\n1,0,\n2,0,1\n3,1,\n4,0,0\n")
    with pytest.warns(LabelWarning) as record:
        labels = load_frame_labels(f, n_frames=5)
    message = _only(record)
    assert "synthetic_labels.csv" in message
    assert "2 empty cell(s) in behaviour column(s) 'groom' (2)" in message
    assert "those 2 frame(s) are marked unscored" in message
    assert labels.names == ("sniff", "groom")
    np.testing.assert_array_equal(labels.scored, [True, False, True, False, True])
    np.testing.assert_array_equal(
        labels.values, [[1, 0], [0, 0], [0, 1], [1, 0], [0, 0]]
    )
    np.testing.assert_array_equal(to_class_indices(labels), [1, -100, 2, -100, 0])


def test_clean_table_has_every_frame_scored(tmp_path):
    f = tmp_path / "synthetic_clean.csv"
    f.write_text("sniff,groom\n1,0\n0,1\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        labels = load_frame_labels(f, n_frames=2)
    assert labels.scored is None


def test_empty_cell_in_real_simba_table(shared_data, tmp_path):
    clean = load_frame_labels(shared_data / CRIM, n_frames=101)
    lines = (shared_data / CRIM).read_text().splitlines()
    header = lines[0].split(",")
    col = header.index("approach_prediction")
    for row in (10, 20, 30):  # data rows 9, 19, 29
        cells = lines[row].split(",")
        cells[col] = ""
        lines[row] = ",".join(cells)
    copy = tmp_path / "crim_empty.csv"
    copy.write_text("\n".join(lines) + "\n")
    with pytest.warns(LabelWarning) as record:
        labels = load_frame_labels(copy, n_frames=101)
    message = _only(record)
    assert "crim_empty.csv" in message and "'approach_prediction' (3)" in message
    assert labels.names == clean.names and len(labels.names) == 11
    assert np.flatnonzero(~labels.scored).tolist() == [9, 19, 29]
    keep = labels.scored
    np.testing.assert_array_equal(labels.values[keep], clean.values[keep])


# ------------------------------------------------------------ BORIS
def _boris_copy(shared_data, tmp_path, name, edit) -> object:
    lines = (shared_data / BORIS).read_text().splitlines()
    edit(lines)
    copy = tmp_path / name
    copy.write_text("\n".join(lines) + "\n")
    return copy


def test_reversed_boris_bout_is_dropped_with_a_warning(shared_data, tmp_path):
    def swap_first_bout(lines):  # START 34.725 s, STOP 29.850 s
        start, stop = lines[16].split(","), lines[17].split(",")
        start[0], stop[0] = stop[0], start[0]
        lines[16], lines[17] = ",".join(start), ",".join(stop)

    copy = _boris_copy(shared_data, tmp_path, "reversed.csv", swap_first_bout)
    with pytest.warns(LabelWarning) as record:
        labels = load_frame_labels(copy, n_frames=5700)
    message = _only(record)
    assert "reversed.csv" in message and "1 bout(s) stop before they start" in message
    assert "'interact' (1)" in message and "line 18" in message
    assert labels.counts() == {"interact": 526}
    clean = load_frame_labels(shared_data / BORIS, n_frames=5700)
    assert clean.counts() == {"interact": 673}
    expected = np.asarray(clean.values).copy()
    expected[896:1043] = False  # the dropped bout: 29.850 s .. 34.725 s
    np.testing.assert_array_equal(labels.values, expected)


@pytest.mark.parametrize(
    ("cell", "problem"),
    [("29.85s", "'29.85s' is not a time in seconds"), ("", "the time is empty")],
)
def test_boris_time_that_is_not_a_number(shared_data, tmp_path, cell, problem):
    def edit(lines):
        cells = lines[16].split(",")
        cells[0] = cell
        lines[16] = ",".join(cells)

    copy = _boris_copy(shared_data, tmp_path, "bad_time.csv", edit)
    with pytest.raises(LabelFileError) as error:
        load_frame_labels(copy, n_frames=5700)
    message = str(error.value)
    assert "bad_time.csv" in message and "line 17, column 'Time'" in message
    assert problem in message


def test_boris_aligned_on_the_poses_frame_index(shared_data):
    full = load_frame_labels(shared_data / BORIS, n_frames=5700)
    part = load_frame_labels(
        shared_data / BORIS, n_frames=5000, frame_index=np.arange(700, 5700)
    )
    np.testing.assert_array_equal(part.values, np.asarray(full.values)[700:])


def test_boris_aggregated_reversed_and_text(tmp_path):
    f = tmp_path / "synthetic_aggregated.csv"
    f.write_text(BORIS_AGGREGATED.format(start="2.0"))
    with pytest.warns(LabelWarning) as record:
        labels = load_frame_labels(f, n_frames=40)
    message = _only(record)
    assert "synthetic_aggregated.csv" in message and "'sniff' (1)" in message
    assert labels.counts() == {"groom": 4, "sniff": 6}
    f.write_text(BORIS_AGGREGATED.format(start="two"))
    with pytest.raises(LabelFileError, match=r"line 6, column 'Start \(s\)'"):
        load_frame_labels(f, n_frames=40)


# ------------------------------------------------------------ frame columns
def test_frame_column_that_skips_pose_frames_is_refused(tmp_path):
    f = tmp_path / "synthetic_even.csv"
    rows = "\n".join(f"{2 * i},{i % 2}" for i in range(10))
    f.write_text(f"frame,sniff\n{rows}\n")
    with pytest.raises(LabelFileError) as error:
        load_frame_labels(f, n_frames=10)
    message = str(error.value)
    assert "synthetic_even.csv" in message
    assert "5 of the poses' 10 frames have no label row" in message
    with pytest.raises(LabelFileError, match="5 of the poses' 10 frames"):
        load_frame_labels(f, frame_index=np.arange(10))
    # Poses that hold exactly those frames line up.
    labels = load_frame_labels(f, frame_index=np.arange(0, 20, 2))
    np.testing.assert_array_equal(labels.values[:, 0], np.arange(10) % 2)


def test_labels_of_frames_the_poses_lack_are_dropped(tmp_path):
    f = tmp_path / "synthetic_long.csv"
    rows = "\n".join(f"{i},{int(i % 3 == 0)}" for i in range(120))
    f.write_text(f"frame,sniff\n{rows}\n")
    with pytest.warns(LabelWarning) as record:
        labels = load_frame_labels(f, frame_index=np.arange(10, 110))
    message = _only(record)
    assert "synthetic_long.csv" in message and "labels of 20 frame(s)" in message
    np.testing.assert_array_equal(labels.values[:, 0], np.arange(10, 110) % 3 == 0)


def test_frame_column_rows_are_matched_by_number(tmp_path):
    f = tmp_path / "synthetic_shuffled.csv"
    f.write_text("frame,sniff\n42152,1\n42150,0\n42151,1\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        labels = load_frame_labels(f, frame_index=np.array([42150, 42151, 42152]))
    np.testing.assert_array_equal(labels.values[:, 0], [0, 1, 1])


def test_frame_column_without_overlap_is_refused(tmp_path):
    f = tmp_path / "synthetic_elsewhere.csv"
    f.write_text("frame,sniff\n500,1\n501,0\n502,1\n")
    with pytest.raises(LabelFileError, match=r"synthetic_elsewhere\.csv.*500-502"):
        load_frame_labels(f, frame_index=np.array([0, 1, 2]))


def test_row_numbered_labels_match_by_row_with_a_warning(tmp_path):
    """A 0 .. n-1 frame column (older writers) against poses 42150 ..."""
    f = tmp_path / "synthetic_rows.csv"
    f.write_text("frame,sniff\n0,1\n1,0\n2,1\n")
    with pytest.warns(LabelWarning, match=r"synthetic_rows\.csv.*row by row"):
        labels = load_frame_labels(f, frame_index=np.array([42150, 42151, 42152]))
    np.testing.assert_array_equal(labels.values[:, 0], [1, 0, 1])


@pytest.mark.parametrize(
    ("rows", "problem"),
    [("0,1\n1,0\n1,1\n", "repeats 1 frame number"), ("0,1\n,0\n2,1\n", "1 cell")],
)
def test_bad_frame_column_is_refused(tmp_path, rows, problem):
    f = tmp_path / "synthetic_frames.csv"
    f.write_text(f"frame,sniff\n{rows}")
    with pytest.raises(LabelFileError, match=rf"synthetic_frames\.csv.*{problem}"):
        load_frame_labels(f, n_frames=3)


# ------------------------------------------------------------ writing
def test_save_writes_the_poses_frame_index_and_follows_umask(tmp_path):
    labels = FrameLabels(("x", "y"), np.array([[1, 0], [0, 1], [0, 0]], bool))
    frames = np.array([42150, 42151, 42152])
    old = os.umask(0o022)
    try:
        out = save_frame_labels(labels, tmp_path / "l.csv", frame_index=frames)
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert out.read_text().splitlines()[:2] == ["frame,x,y", "42150,1,0"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = load_frame_labels(out, frame_index=frames)
    np.testing.assert_array_equal(back.values, labels.values)
    assert [p.name for p in tmp_path.iterdir()] == ["l.csv"]
    with pytest.raises(LabelFileError, match="2 frame numbers for 3 frames"):
        save_frame_labels(labels, tmp_path / "m.csv", frame_index=frames[:2])
