"""Tests of behavert.io.save (DeepLabCut and SLEAP writers) on synthetic poses."""

from __future__ import annotations

import errno
import warnings

import numpy as np
import pandas as pd
import pytest

from behavert import load_poses
from behavert.datasets.synthetic import generate_synthetic
from behavert.errors import FileProblemError, OutputWriteError, UnknownFormatError
from behavert.io.poses import Poses
from behavert.io.save import dlc_table, save_dlc, save_poses, save_slp


@pytest.fixture(scope="module")
def poses() -> Poses:
    return generate_synthetic(120, seed=4, missing_rate=0.05).poses


def _load(path):
    with warnings.catch_warnings():  # the .slp names a video that is not there
        warnings.simplefilter("ignore")
        return load_poses(path)


def _same(read: Poses, ref: Poses) -> None:
    assert read.n_frames == ref.n_frames
    assert read.keypoints == ref.keypoints
    np.testing.assert_allclose(read.position, ref.position, atol=1e-4)  # NaN too
    np.testing.assert_allclose(read.confidence, ref.confidence, atol=1e-6)
    np.testing.assert_array_equal(read.frame_index, ref.frame_index)


def test_dlc_table_headers(poses):
    table = dlc_table(poses, scorer="me")
    assert table.columns.names == ["scorer", "individuals", "bodyparts", "coords"]
    assert table.shape == (120, 2 * 12 * 3)
    assert table[("me", "intruder", "tail_tip", "likelihood")].iloc[5] == (
        pytest.approx(poses.confidence[5, 1, 11], nan_ok=True)
    )
    one = dlc_table(poses.select_individuals(["resident"]))
    assert one.columns.names == ["scorer", "bodyparts", "coords"]
    assert list(one.columns.get_level_values("coords")[:3]) == ["x", "y", "likelihood"]
    np.testing.assert_array_equal(
        one[("behavert", "spine", "y")].to_numpy(), poses.position[:, 0, 6, 1]
    )


@pytest.mark.parametrize("suffix", [".h5", ".csv"])
def test_save_dlc_is_a_plain_dlc_table(poses, tmp_path, suffix):
    path = save_dlc(poses, tmp_path / f"synthetic{suffix}")
    if suffix == ".h5":
        table = pd.read_hdf(path, key="df_with_missing")
    else:
        table = pd.read_csv(path, header=[0, 1, 2, 3], index_col=0)
    assert list(table.columns.levels[1]) == sorted(poses.individuals)
    values = table.to_numpy().reshape(120, 2, 12, 3)
    np.testing.assert_allclose(values[..., :2], poses.position)
    assert np.isnan(values[..., 2]).sum() == np.isnan(poses.confidence).sum() > 0
    assert not list(tmp_path.glob(".*"))  # no temporary file left


@pytest.mark.parametrize("name", ["synthetic.h5", "synthetic.csv", "synthetic.slp"])
def test_round_trip_through_load_poses(poses, tmp_path, name):
    path = save_poses(poses, tmp_path / name)
    read = _load(path)
    _same(read, poses)
    assert read.individuals == poses.individuals


def test_round_trip_single_individual_and_offset_frames(poses, tmp_path):
    one = poses.select_individuals(["intruder"]).replace(
        frame_index=np.arange(120) + 1000
    )
    read = _load(save_dlc(one, tmp_path / "synthetic_one.h5"))
    _same(read, one)
    assert read.n_individuals == 1


def test_round_trip_3d(poses, tmp_path):
    pos3 = np.concatenate([poses.position, poses.position[..., :1] * 0.5], axis=-1)
    p3 = poses.replace(position=pos3)
    table = dlc_table(p3)
    assert list(table.columns.get_level_values("coords")[:4]) == [
        "x",
        "y",
        "z",
        "likelihood",
    ]
    read = _load(save_dlc(p3, tmp_path / "synthetic3d.h5"))
    _same(read, p3)
    with pytest.raises(ValueError, match="2D"):
        save_slp(p3, tmp_path / "synthetic3d.slp")


def test_save_slp_through_sleap_io(poses, tmp_path):
    import sleap_io as sio

    path = save_slp(poses, tmp_path / "synthetic.slp")
    labels = sio.load_slp(str(path), open_videos=False)
    assert [t.name for t in labels.tracks] == list(poses.individuals)
    assert labels.skeleton.node_names == list(poses.keypoints)
    assert len(labels.skeleton.edges) == len(poses.edges)
    assert labels.provenance["fps"] == 30.0
    assert labels.video.filename.endswith("synthetic.mp4")
    arr = labels.numpy(return_confidence=True)
    np.testing.assert_allclose(arr[..., :2], poses.position, atol=1e-4)
    present = ~np.isnan(poses.confidence)
    np.testing.assert_allclose(arr[..., 2][present], poses.confidence[present], 1e-6)


def test_overwrite_and_atomic_failure(poses, tmp_path, mocker):
    path = tmp_path / "synthetic.h5"
    save_dlc(poses, path)
    save_dlc(poses.select_frames(slice(0, 10)), path)  # overwrite
    assert len(pd.read_hdf(path)) == 10
    full = OSError(errno.ENOSPC, "No space left on device")
    mocker.patch("pandas.DataFrame.to_hdf", side_effect=full)
    with pytest.raises(OutputWriteError, match=r"synthetic\.h5.*disk is full"):
        save_dlc(poses, path)
    assert len(pd.read_hdf(path)) == 10  # the old file is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["synthetic.h5"]


def test_errors_name_the_file(poses, tmp_path):
    with pytest.raises(UnknownFormatError, match=r"pose\.txt"):
        save_poses(poses, tmp_path / "pose.txt")
    with pytest.raises(UnknownFormatError, match=r"\.slp"):
        save_slp(poses, tmp_path / "pose.h5")
    with pytest.raises(FileProblemError, match="does not exist"):
        save_dlc(poses, tmp_path / "missing" / "pose.h5")
