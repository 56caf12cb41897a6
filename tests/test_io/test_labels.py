"""Tests for behavert.io.labels (CSV, BORIS, SimBA label tables)."""

from __future__ import annotations

import numpy as np
import pytest

from behavert.errors import BehavertWarning, LabelFileError
from behavert.io.labels import (
    FrameLabels,
    class_names_with_background,
    group_of,
    load_frame_labels,
    load_sequence_labels,
    save_frame_labels,
    to_class_indices,
)

BORIS_EVENTS = """\
Observation id,obs1,,,,,,,
,,,,,,,,
Time offset (s),0.0,,,,,,,
,,,,,,,,
Time,Media file path,Total length,FPS,Subject,Behavior,\
Behavioral category,Comment,Status
0.5,v.avi,4.0,10.0,a,sniff,,,START
1.0,v.avi,4.0,10.0,a,sniff,,,STOP
2.0,v.avi,4.0,10.0,a,groom,,,START
2.3,v.avi,4.0,10.0,a,groom,,,STOP
"""


def test_column_per_behaviour_csv(tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("frame,sniff,groom\n2,0,1\n0,1,0\n1,1,1\n")
    labels = load_frame_labels(f, n_frames=3)
    assert labels.names == ("sniff", "groom")
    # Rows are ordered by the frame column.
    np.testing.assert_array_equal(labels.values, [[1, 0], [1, 1], [0, 1]])
    assert labels.multi_label  # frame 1 has two behaviours
    assert labels.path == f


def test_name_column_csv(tmp_path):
    f = tmp_path / "names.csv"
    f.write_text("behaviour\nidle\nsniff\nsniff\n\nidle\n")
    labels = load_frame_labels(f)
    assert labels.names == ("idle", "sniff")
    assert not labels.multi_label
    assert labels.counts() == {"idle": 2, "sniff": 2}
    assert labels.n_frames == 4  # pandas skips the blank line


def test_length_mismatch_names_file_and_lengths(tmp_path):
    f = tmp_path / "short.csv"
    f.write_text("sniff\n0\n1\n")
    with pytest.raises(LabelFileError) as e:
        load_frame_labels(f, n_frames=5)
    msg = str(e.value)
    assert "short.csv" in msg and "2" in msg and "5" in msg
    assert e.value.path == f


def test_non_binary_and_missing_files(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("a_x,a_y\n1.5,2.5\n")
    with pytest.raises(LabelFileError, match="bad.csv"):
        load_frame_labels(f)
    with pytest.raises(LabelFileError, match="not found"):
        load_frame_labels(tmp_path / "missing.csv")
    g = tmp_path / "g.csv"
    g.write_text("sniff\n0\n1\n")
    with pytest.raises(LabelFileError, match="climb"):
        load_frame_labels(g, behaviours=["climb"])


def test_boris_events(tmp_path):
    f = tmp_path / "boris.csv"
    f.write_text(BORIS_EVENTS)
    labels = load_frame_labels(f)
    assert labels.names == ("groom", "sniff")
    assert labels.n_frames == 40  # Total length 4 s at 10 fps
    np.testing.assert_array_equal(np.flatnonzero(labels.values[:, 1]), range(5, 11))
    np.testing.assert_array_equal(np.flatnonzero(labels.values[:, 0]), range(20, 24))
    # fps argument overrides the table, n_frames fixes the length.
    other = load_frame_labels(f, fps=20, n_frames=100, behaviours=["sniff"])
    assert other.names == ("sniff",)
    assert other.counts() == {"sniff": 11}
    with pytest.raises(LabelFileError, match="10 frames"):
        load_frame_labels(f, n_frames=10)


def test_boris_unmatched_stop(tmp_path):
    f = tmp_path / "b.csv"
    f.write_text(BORIS_EVENTS.replace("0.5,v.avi,4.0,10.0,a,sniff,,,START\n", ""))
    with pytest.raises(LabelFileError, match="without START"):
        load_frame_labels(f)


def test_boris_aggregated(tmp_path):
    f = tmp_path / "agg.csv"
    f.write_text(
        "Observation id,Media file,Total length,FPS,Subject,Behavior,"
        "Start (s),Stop (s),Duration (s)\n"
        "o,v.avi,2.0,10,a,rear,0.2,0.5,0.3\n"
        "o,v.avi,2.0,10,a,rear,1.0,1.1,0.1\n"
    )
    labels = load_frame_labels(f)
    assert labels.n_frames == 20
    np.testing.assert_array_equal(
        np.flatnonzero(labels.values[:, 0]), [2, 3, 4, 5, 10, 11]
    )


def test_simba_columns_among_pose(tmp_path):
    f = tmp_path / "simba.csv"
    f.write_text(
        ",Nose_1_x,Nose_1_y,Nose_1_p,dist,Attack,Sniffing\n"
        "0,1.5,2.5,0.9,3.3,0,1\n1,1.6,2.4,0.8,3.1,1,0\n"
    )
    labels = load_frame_labels(f, n_frames=2)
    assert labels.names == ("Attack", "Sniffing")
    np.testing.assert_array_equal(labels.values, [[0, 1], [1, 0]])


def test_class_indices_and_background():
    labels = FrameLabels(("a", "b"), np.array([[0, 0], [1, 0], [0, 1], [1, 1]], bool))
    assert class_names_with_background(labels) == ("other", "a", "b")
    with pytest.warns(BehavertWarning, match="overlap"):
        idx = to_class_indices(labels)
    np.testing.assert_array_equal(idx, [0, 1, 2, 1])
    own = FrameLabels(("a", "other"), np.array([[0, 1], [1, 0], [0, 0]], bool))
    assert class_names_with_background(own) == ("a", "other")
    np.testing.assert_array_equal(to_class_indices(own), [1, 0, 1])


def test_save_roundtrip_is_atomic(tmp_path):
    labels = FrameLabels(("x", "y"), np.array([[1, 0], [0, 1], [0, 0]], bool))
    out = save_frame_labels(labels, tmp_path / "sub" / "l.csv")
    back = load_frame_labels(out, n_frames=3)
    assert back.names == labels.names
    np.testing.assert_array_equal(back.values, labels.values)
    assert [p.name for p in out.parent.iterdir()] == ["l.csv"]  # no temp left


def test_sequence_labels(tmp_path):
    f = tmp_path / "groups.csv"
    f.write_text("recording,genotype\nmouse1.h5,wt\nmouse2,ko\n")
    groups = load_sequence_labels(f)
    assert groups == {"mouse1.h5": "wt", "mouse2": "ko"}
    assert group_of(groups, "/data/mouse1.h5") == "wt"
    assert group_of(groups, "/data/mouse2.slp") == "ko"
    assert group_of(groups, "mouse3.h5") is None
    bad = tmp_path / "bad.csv"
    bad.write_text("recording,genotype\nm1,wt\nm1,ko\n")
    with pytest.raises(LabelFileError, match="two groups"):
        load_sequence_labels(bad)


@pytest.mark.realdata
def test_real_boris_resident_intruder(shared_data):
    folder = shared_data / "labelled" / "ethome_resident_intruder"
    f = next(folder.glob("*_reencode.csv"))
    labels = load_frame_labels(f, n_frames=5700)
    assert labels.names == ("interact",)
    assert labels.counts() == {"interact": 673}
    bouts = np.diff(labels.values[:, 0].astype(int))
    assert int((bouts == 1).sum()) == 10
    with pytest.raises(LabelFileError, match="5000"):
        load_frame_labels(f, n_frames=5000)


@pytest.mark.realdata
def test_real_simba_crim(shared_data):
    folder = shared_data / "labelled" / "dlc2action_crim_sample"
    expected = {
        "Tvideo_8_trim.csv": {"sniff": 94, "approach": 7},
        "Tvideo_25_trim.csv": {"sniff": 101},
        "Tvideo_80_trim.csv": {"sniff": 91, "chase": 10},
    }
    for name, counts in expected.items():
        labels = load_frame_labels(folder / name, n_frames=101)
        assert len(labels.names) == 11
        assert {k: v for k, v in labels.counts().items() if v} == counts
