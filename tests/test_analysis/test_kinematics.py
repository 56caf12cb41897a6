"""Tests for behavert.analysis.kinematics on hand-made two-animal poses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from behavert.analysis.kinematics import (
    axis_correlations,
    describe_axes,
    find_keypoint,
    kinematic_measures,
)


def _two_animals(n_time: int = 5, b_faces_away: bool = False) -> np.ndarray:
    """Animal A still at the origin facing +x; B 10 units ahead moving along y."""
    pos = np.zeros((n_time, 2, 2, 2))  # (time, individual, keypoint, space)
    pos[:, 0, 0] = [1.0, 0.0]  # A nose
    pos[:, 0, 1] = [-1.0, 0.0]  # A tail base
    t = np.arange(n_time)
    sign = 1.0 if b_faces_away else -1.0
    pos[:, 1, 0, 0] = 10.0 + sign  # B nose
    pos[:, 1, 1, 0] = 10.0 - sign  # B tail base
    pos[:, 1, :, 1] = 3.0 * t[:, None]  # B moves 3 units per frame along y
    return pos


def test_speed_facing_and_distances():
    pos = _two_animals()
    df = kinematic_measures(
        pos, ["Nose", "Tail Base"], fps=10.0, individuals=["a", "b"]
    )
    assert df.index.name == "frame" and len(df) == 5
    np.testing.assert_allclose(df["a speed"], 0.0)
    np.testing.assert_allclose(df["b speed"], 30.0)
    np.testing.assert_allclose(df["a facing partner"][0], 0.0, atol=1e-9)
    np.testing.assert_allclose(df["b facing partner"][0], 0.0, atol=1e-9)
    np.testing.assert_allclose(df["centre distance"][0], 10.0)
    np.testing.assert_allclose(df["nose distance"][0], 8.0)
    # later frames: B is off-axis, A's facing angle is atan(3t / 10)
    expected = np.degrees(np.arctan2(3.0 * np.arange(5), 10.0))
    np.testing.assert_allclose(df["a facing partner"], expected, atol=1e-9)


def test_facing_away_is_180_and_missing_keypoints_give_nan():
    pos = _two_animals(b_faces_away=True)
    pos[2, 1] = np.nan  # B missing in frame 2
    df = kinematic_measures(pos, ["snout", "tailbase"], fps=1.0)
    assert "animal1 facing partner" in df.columns
    np.testing.assert_allclose(df["animal1 facing partner"][0], 180.0)
    assert np.isnan(df["animal1 facing partner"][2])
    assert np.isnan(df["centre distance"][2])
    # speeds next to the missing frame are NaN, elsewhere known
    assert np.isnan(df["animal1 speed"][1]) and df["animal1 speed"][4] == 3.0


def test_find_keypoint_fallbacks():
    kp = ["Snout", "Front Paw R", "Butt/Proximal Tail"]
    assert find_keypoint(kp, ("nose", "snout", "head")) == 0
    assert find_keypoint(kp, ("tail_base", "tailbase", "tail")) == 2
    assert find_keypoint(["thorax"], ("nose", "head")) is None


def test_three_animals_pairwise_and_single_animal():
    pos = np.zeros((3, 3, 1, 2))
    pos[:, 1, 0] = [3.0, 4.0]
    pos[:, 2, 0] = [0.0, 1.0]
    df = kinematic_measures(pos, ["centre"], fps=30.0, individuals=["x", "y", "z"])
    np.testing.assert_allclose(df["x-y centre distance"], 5.0)
    np.testing.assert_allclose(df["x-z centre distance"], 1.0)
    assert not any("facing" in c for c in df.columns)  # no nose: no heading
    one = kinematic_measures(pos[:, :1], ["centre"], fps=30.0)
    assert list(one.columns) == ["animal0 speed"]
    with pytest.raises(ValueError, match="keypoint names"):
        kinematic_measures(pos, ["a", "b"], fps=30.0)


def test_axis_correlations_and_description():
    rng = np.random.default_rng(0)
    n = 400
    speed = rng.gamma(2.0, size=n)
    facing = rng.uniform(0, 180, size=n)
    noise = rng.normal(size=(n, 6))
    tokens = noise * 0.1
    tokens[:, 0] += 5 * np.log(speed)  # dominant axis: monotone in speed
    tokens[:, 1] -= 0.02 * facing  # second axis: facing (negative)
    measures = pd.DataFrame({"speed": speed, "facing partner": facing})
    measures.loc[:10, "speed"] = np.nan
    tokens[20] = np.nan
    corr = axis_correlations(tokens, measures, n_axes=3)
    assert corr.shape == (3, 2)
    assert abs(corr.loc["PC1", "speed"]) > 0.95
    assert abs(corr.loc["PC2", "facing partner"]) > 0.9
    desc = describe_axes(corr, min_abs=0.3)
    assert desc.loc["PC1", "top_measure"] == "speed"
    assert desc.loc["PC2", "top_measure"] == "facing partner"
    assert pd.isna(desc.loc["PC3", "top_measure"])
    assert desc.loc["PC3", "description"].startswith("no measure")
    assert desc.loc["PC1", "explained_variance"] > desc.loc["PC2", "explained_variance"]
    with pytest.raises(ValueError, match="frames"):
        axis_correlations(tokens[:10], measures)


@pytest.mark.realdata
def test_real_two_mouse_dlc_file(shared_data):
    from behavert import load_poses

    poses = load_poses(
        shared_data / "dlc" / "deepof_tests" / "testDLC_h5_table_madlc.h5"
    )
    df = kinematic_measures(poses.position, poses.keypoints, 30.0, poses.individuals)
    a, b = poses.individuals
    assert {f"{a} speed", f"{b} facing partner", "nose distance"} <= set(df.columns)
    assert len(df) == poses.position.shape[0]
    facing = df[[f"{a} facing partner", f"{b} facing partner"]].to_numpy()
    assert np.nanmin(facing) >= 0 and np.nanmax(facing) <= 180
    nose = poses.keypoints.index("Nose")
    direct = np.linalg.norm(
        poses.position[:, 0, nose] - poses.position[:, 1, nose], axis=-1
    )
    np.testing.assert_allclose(df["nose distance"], direct)
    assert df["centre distance"].notna().mean() > 0.5
