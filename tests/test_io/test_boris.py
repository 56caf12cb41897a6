"""Tests for behavert.io.boris (bouts <-> frame labels, BORIS events export)."""

from __future__ import annotations

import numpy as np
import pytest

from behavert.errors import LabelFileError
from behavert.io.boris import Bout, bouts_to_labels, labels_to_bouts, save_boris
from behavert.io.labels import FrameLabels, load_frame_labels


def test_bout_validates_and_contains():
    bout = Bout(3, 6, "groom")
    assert bout.n_frames == 3
    assert bout.contains(3) and bout.contains(5) and not bout.contains(6)
    with pytest.raises(ValueError, match="start < stop"):
        Bout(5, 5, "groom")


def test_bouts_round_trip_through_labels():
    bouts = [Bout(0, 2, "a"), Bout(5, 9, "b"), Bout(7, 8, "a"), Bout(18, 30, "b")]
    labels = bouts_to_labels(bouts, ["a", "b"], 20)
    assert labels.values.shape == (20, 2)
    assert labels.multi_label  # frame 7 is both a and b
    assert labels.values[:, 0].nonzero()[0].tolist() == [0, 1, 7]
    assert labels.values[18:, 1].all() and not labels.values[9:18, 1].any()
    back = labels_to_bouts(labels)
    assert back == [
        Bout(0, 2, "a"),
        Bout(5, 9, "b"),
        Bout(7, 8, "a"),
        Bout(18, 20, "b"),
    ]
    with pytest.raises(ValueError, match="not in"):
        bouts_to_labels([Bout(0, 1, "c")], ["a"], 5)


@pytest.mark.parametrize("fps", [30.0, 25.0, 29.97])
def test_save_boris_reads_back_identically(tmp_path, fps):
    rng = np.random.default_rng(0)
    values = np.zeros((900, 3), dtype=bool)
    for k in range(3):
        for start in rng.integers(0, 880, 6):
            values[start : start + rng.integers(1, 20), k] = True
    labels = FrameLabels(("rear", "groom", "sniff"), values, multi_label=True)
    path = save_boris(labels, tmp_path / "events.csv", fps, subject="resident")
    text = path.read_text()
    assert "Time,Media file path,Total length,FPS,Subject,Behavior" in text
    assert text.count("START") == text.count("STOP") == len(labels_to_bouts(labels))
    back = load_frame_labels(path, behaviours=labels.names)
    assert back.n_frames == 900
    np.testing.assert_array_equal(back.values, values)
    again = load_frame_labels(path, n_frames=900, behaviours=labels.names)
    np.testing.assert_array_equal(again.values, values)


def test_save_boris_single_frame_bout_and_bad_fps(tmp_path):
    labels = bouts_to_labels([Bout(4, 5, "a")], ["a"], 10)
    back = load_frame_labels(save_boris(labels, tmp_path / "one.csv", 30.0))
    assert back.values[:, 0].nonzero()[0].tolist() == [4]
    with pytest.raises(LabelFileError, match="bad.csv"):
        save_boris(labels, tmp_path / "bad.csv", 0.0)
    assert not (tmp_path / "bad.csv").exists()
