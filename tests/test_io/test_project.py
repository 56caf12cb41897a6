"""Projects, not only files: DeepLabCut projects and folders of SLEAP files."""

from __future__ import annotations

import os
import shutil
import time

import numpy as np
import pytest

import behavert
from behavert.errors import FileProblemError
from behavert.io import find_project, load_poses

OPENFIELD = "dlc/openfield_pranav"


def test_the_shared_dlc_project_finds_its_recording_and_video(shared_data):
    poses_list = behavert.load_project(shared_data / OPENFIELD)
    assert len(poses_list) == 1
    (poses,) = poses_list
    assert poses.path.name == "openfield_dlc_inference_example.csv"
    assert poses.video == shared_data / OPENFIELD / "m3v1mp4.mp4"
    assert poses.n_frames == 2330 and poses.keypoints == (
        "snout", "leftear", "rightear", "tailbase"
    )  # fmt: skip
    project = find_project(shared_data / OPENFIELD / "config.yaml")
    assert project.kind == "dlc" and project.config["scorer"] == "Pranav"


def _dlc_project(shared_data, folder):
    """A DLC project laid out as DLC writes it, from the shared files (synthetic
    layout): two videos, several prediction files each, labelled data to skip."""
    source = shared_data / OPENFIELD
    shutil.copy(source / "config.yaml", folder / "config.yaml")
    (folder / "videos").mkdir()
    (folder / "labeled-data" / "m4s1").mkdir(parents=True)
    shutil.copy(
        source / "labeled-data/m4s1/CollectedData_Pranav.h5",
        folder / "labeled-data/m4s1/CollectedData_Pranav.h5",
    )
    table = source / "openfield_dlc_inference_example.csv"
    net = "DLC_resnet50_openfieldOct30shuffle1_"
    names = {
        "videoA": [f"{net}1000", f"{net}6000", f"{net}1000_filtered"],
        "videoB": [f"{net}1000", f"{net}6000"],
    }
    now = time.time()
    for video, suffixes in names.items():
        os.symlink(source / "m3v1mp4.mp4", folder / "videos" / f"{video}.mp4")
        for k, suffix in enumerate(suffixes):
            path = folder / "videos" / f"{video}{suffix}.csv"
            shutil.copy(table, path)
            os.utime(path, (now + k, now + k))  # later names are newer
    return folder


def test_a_dlc_project_gives_one_recording_per_video(shared_data, tmp_path):
    project = find_project(_dlc_project(shared_data, tmp_path))
    names = [p.name for p in project.files]
    assert names == [
        "videoADLC_resnet50_openfieldOct30shuffle1_1000_filtered.csv",  # filtered wins
        "videoBDLC_resnet50_openfieldOct30shuffle1_6000.csv",  # else the newest
    ]
    poses_list = behavert.load_project(tmp_path)
    assert [p.video.name for p in poses_list] == ["videoA.mp4", "videoB.mp4"]


def test_a_sleap_folder(shared_data, tmp_path):
    for name in (
        "sleap/fly_courtship/predictions.slp",
        "sleap/fly_courtship/predictions.analysis.h5",  # same name: the .slp wins
        "sleap/clip_tracks/clip.predictions.slp",
    ):
        target = tmp_path / name.split("/")[1] / name.split("/")[-1]
        target.parent.mkdir(exist_ok=True)
        os.symlink(shared_data / name, target)
    project = find_project(tmp_path)
    assert project.kind == "sleap"
    assert [p.name for p in project.files] == [
        "clip.predictions.slp",
        "predictions.slp",
    ]
    poses_list = behavert.load_project(tmp_path, max_individuals=2)
    direct = load_poses(shared_data / "sleap/clip_tracks/clip.predictions.slp")
    np.testing.assert_array_equal(poses_list[0].position, direct.position)
    assert all(p.n_individuals == 2 for p in poses_list)


def test_folders_without_recordings_are_refused(tmp_path):
    with pytest.raises(FileProblemError, match="does not exist"):
        find_project(tmp_path / "nowhere")
    with pytest.raises(FileProblemError, match="holds no recording"):
        find_project(tmp_path)
    (tmp_path / "config.yaml").write_text("Task: x\n")
    with pytest.raises(FileProblemError, match="no DeepLabCut prediction table"):
        find_project(tmp_path)
