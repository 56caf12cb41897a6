"""SimBA flat-CSV reader: the real CRIM13 sample files and synthetic tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from behavert import load_poses
from behavert.io.simba import split_animals

CRIM = "labelled/dlc2action_crim_sample/Tvideo_{}_trim.csv"
PARTS = (
    "Ear_left", "Ear_right", "Nose", "Center", "Lat_left", "Lat_right", "Tail_base",
    "Tail_end",
)  # fmt: skip


@pytest.mark.parametrize("clip", [8, 25, 80])
def test_crim_sample(shared_data, clip):
    path = shared_data / CRIM.format(clip)
    poses = load_poses(path)
    assert poses.source == "simba"
    assert poses.individuals == ("1", "2")
    assert poses.keypoints == PARTS
    assert poses.position.shape == (101, 2, 8, 2)
    np.testing.assert_array_equal(poses.frame_index, np.arange(101))
    df = pd.read_csv(path, index_col=0)
    np.testing.assert_allclose(poses.position[:, 1, 2, 0], df["Nose_2_x"])
    np.testing.assert_allclose(poses.confidence[:, 0, 7], df["Tail_end_1_p"])
    assert not any("prediction" in c for c in poses.metadata["pose_columns"])


def test_split_animals():
    stems = ["Nose_1", "Tail_1", "Nose_2", "Tail_2"]
    assert split_animals(stems) == (
        ["1", "1", "2", "2"],
        ["Nose", "Tail", "Nose", "Tail"],
    )
    # names that only look split: one group, not numeric -> one animal
    assert split_animals(["Left_ear", "Right_ear"])[0] == ["individual_0"] * 2
    assert split_animals(["Nose", "Tail_base"])[1] == ["Nose", "Tail_base"]
    assert split_animals(["Nose_mouseA", "Nose_mouseB"])[0] == ["mouseA", "mouseB"]


def test_simba_zero_triples_and_index(tmp_path):
    df = pd.DataFrame(
        {
            "Nose_1_x": [1.0, 0.0, 3.0],
            "Nose_1_y": [1.0, 0.0, 3.0],
            "Nose_1_p": [0.9, 0.0, 0.8],
            "Tail_1_x": [2.0, 2.0, 2.0],
            "Tail_1_y": [2.0, 2.0, 2.0],
            "Tail_1_p": [1.0, 1.0, 1.0],
            "sniff_prediction": [0, 1, 1],
        },
        index=pd.Index([5, 6, 7], name="scorer"),
    )
    df.to_csv(tmp_path / "synthetic_simba.csv")
    poses = load_poses(tmp_path / "synthetic_simba.csv")
    assert poses.individuals == ("1",) and poses.keypoints == ("Nose", "Tail")
    np.testing.assert_array_equal(poses.frame_index, [5, 6, 7])
    assert np.isnan(poses.position[1, 0, 0]).all() and np.isnan(
        poses.confidence[1, 0, 0]
    )
    assert poses.position[2, 0, 0, 0] == 3.0
