"""File and pose validation: every failure is a named behavert error."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest

from behavert import Poses, load_poses
from behavert.errors import (
    AllNaNKeypointWarning,
    CorruptFileError,
    FileProblemError,
    NoFramesError,
    NotAPoseTableError,
    UnknownFormatError,
)
from behavert.io.validate import check_poses, is_hdf5, read_text_head

DLC_H5 = "dlc/deepof_tests/testDLC_h5_table.h5"


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileProblemError, match="nope.h5: file does not exist"):
        load_poses(tmp_path / "nope.h5")
    with pytest.raises(FileProblemError, match="is a folder"):
        load_poses(tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(CorruptFileError, match="empty.csv: file is empty"):
        load_poses(tmp_path / "empty.csv")


@pytest.mark.parametrize(
    "name",
    [
        DLC_H5,
        "dlc/bsoid_bottomup/raw_clip1DLC_resnet50_OpenFieldHighResApr8shuffle1_1030000.h5",
        "sleap/centered_pair/centered_pair_standard.analysis.h5",
    ],
)
def test_truncated_h5_is_corrupt(shared_data, tmp_path, name):
    data = (shared_data / name).read_bytes()
    path = tmp_path / "half.h5"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFileError, match="half.h5"):
        load_poses(path)


def test_header_only_csv_has_no_frames(tmp_path):
    path = tmp_path / "synthetic_header_only.csv"
    path.write_text("scorer,s,s,s\nbodyparts,nose,nose,nose\ncoords,x,y,likelihood\n")
    with pytest.raises(NoFramesError, match="synthetic_header_only.csv"):
        load_poses(path)


def test_random_csv_is_not_a_pose_table(tmp_path):
    pd.DataFrame({"speed": [1, 2], "mood": ["a", "b"]}).to_csv(tmp_path / "r.csv")
    with pytest.raises(NotAPoseTableError, match="r.csv: no pose table"):
        load_poses(tmp_path / "r.csv")
    with pytest.raises(NotAPoseTableError, match="DeepLabCut header"):
        load_poses(tmp_path / "r.csv", source="dlc")


def test_h5_without_pose_table(tmp_path):
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["images"] = np.zeros((2, 3))
    with pytest.raises(NotAPoseTableError, match="other.h5"):
        load_poses(tmp_path / "other.h5")


def test_unknown_suffix_and_content(tmp_path):
    (tmp_path / "poses.txt").write_text("hello")
    with pytest.raises(UnknownFormatError, match="poses.txt: unknown pose file type"):
        load_poses(tmp_path / "poses.txt")
    (tmp_path / "binary.csv").write_bytes(b"\x00\x01\x02garbage")
    with pytest.raises(UnknownFormatError, match="binary"):
        load_poses(tmp_path / "binary.csv")
    (tmp_path / "fake.h5").write_text("not hdf5 at all")
    with pytest.raises(UnknownFormatError, match="fake.h5: not an HDF5 file"):
        load_poses(tmp_path / "fake.h5")
    assert not is_hdf5(tmp_path / "fake.h5")


def test_all_nan_keypoint_warns(tmp_path):
    cols = pd.MultiIndex.from_product(
        [["synthetic"], ["nose", "ghost part"], ["x", "y", "likelihood"]],
        names=["scorer", "bodyparts", "coords"],
    )
    values = np.ones((4, 6))
    values[:, 3:5] = np.nan
    pd.DataFrame(values, columns=cols).to_hdf(tmp_path / "synthetic_nan.h5", key="df")
    with pytest.warns(AllNaNKeypointWarning, match="'ghost part'") as record:
        poses = load_poses(tmp_path / "synthetic_nan.h5")
    assert "nose" not in str(record[0].message)
    assert np.isnan(poses.position[:, 0, 1]).all()


def test_check_poses_rejects_empty():
    empty = Poses(np.zeros((0, 1, 2, 2)), np.zeros((0, 1, 2)), ("a", "b"), ("i",))
    with pytest.raises(NoFramesError, match="no frames"):
        check_poses(empty, "x.csv")
    none = Poses(np.zeros((3, 0, 2, 2)), np.zeros((3, 0, 2)), ("a", "b"), ())
    with pytest.raises(NoFramesError, match="no instances"):
        check_poses(none, "x.csv")


def test_read_text_head(tmp_path):
    (tmp_path / "t.csv").write_text("\ufeffa,b\n1,2\n3,4\n")
    assert read_text_head(tmp_path / "t.csv", 2) == ["a,b", "1,2"]
