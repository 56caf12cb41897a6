"""Anipose 3D CSV reader on small, format-exact synthetic files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from behavert import load_poses
from behavert.io.anipose import anipose_bodyparts, sniff_anipose


def _write_anipose(path, n=5, with_score=True):
    rng = np.random.default_rng(0)
    data: dict[str, np.ndarray] = {}
    for bp in ("nose", "left ear", "tail_base"):
        for c in "xyz":
            data[f"{bp}_{c}"] = rng.random(n) * 100
        data[f"{bp}_error"] = rng.random(n)
        data[f"{bp}_ncams"] = np.full(n, 2)
        if with_score:
            data[f"{bp}_score"] = rng.random(n)
    for i in range(3):
        for j in range(3):
            data[f"M_{i}{j}"] = np.eye(3)[i, j] * np.ones(n)
    for i in range(3):
        data[f"center_{i}"] = np.zeros(n)
    data["fnum"] = np.arange(10, 10 + n)
    df = pd.DataFrame(data)
    df.loc[2, ["nose_x", "nose_y", "nose_z"]] = np.nan
    df.to_csv(path, index=False)
    return df


def test_load_anipose(tmp_path):
    df = _write_anipose(tmp_path / "synthetic_anipose.csv")
    poses = load_poses(tmp_path / "synthetic_anipose.csv")
    assert poses.source == "anipose"
    assert poses.n_space == 3
    assert poses.keypoints == ("nose", "left ear", "tail_base")
    assert poses.individuals == ("individual_0",)
    np.testing.assert_array_equal(poses.frame_index, np.arange(10, 15))
    np.testing.assert_allclose(
        poses.position[:, 0, 2], df[["tail_base_x", "tail_base_y", "tail_base_z"]]
    )
    np.testing.assert_allclose(poses.confidence[:, 0, 1], df["left ear_score"])
    assert np.isnan(poses.position[2, 0, 0]).all()
    assert np.isnan(poses.confidence[2, 0, 0])
    assert poses.metadata["error"].shape == (5, 3)
    np.testing.assert_allclose(poses.metadata["error"][:, 0], df["nose_error"])
    assert ("nose", "left ear") in poses.edge_names


def test_anipose_without_scores(tmp_path):
    _write_anipose(tmp_path / "synthetic_noscore.csv", with_score=False)
    poses = load_poses(tmp_path / "synthetic_noscore.csv", source="anipose")
    assert poses.confidence[0, 0, 0] == 1.0
    assert np.isnan(poses.confidence[2, 0, 0])


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["a_x", "a_y", "a_z", "b_x", "b_y"], ["a"]),
        (["Nose_1_x", "Nose_1_y", "Nose_1_p"], []),  # SimBA, not Anipose
    ],
)
def test_anipose_bodyparts(columns, expected):
    assert anipose_bodyparts(columns) == expected


def test_sniff_rejects_dlc_csv(shared_data):
    dlc = shared_data / "dlc/openfield_pranav/openfield_dlc_inference_example.csv"
    assert not sniff_anipose(dlc)
