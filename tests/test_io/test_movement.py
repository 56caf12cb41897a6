"""movement interop: the shared DLC and SLEAP files read by movement's own loaders
match `load_poses` exactly (positions, confidence, names, fps, frame numbers), both
ways (movement -> Poses and Poses -> movement)."""

from __future__ import annotations

import numpy as np
import pytest

from behavert.errors import FileProblemError
from behavert.io import load_poses
from behavert.io.movement import from_movement, to_movement

movement_io = pytest.importorskip("movement.io", reason="the movement extra")

FILES = [
    ("dlc/openfield_pranav/openfield_dlc_inference_example.csv", "DeepLabCut"),
    (
        "labelled/ethome_resident_intruder/e3v813a-20210610T122332-122642DLC_"
        "dlcrnetms5_pilot_studySep24shuffle1_100000_el_filtered.csv",
        "DeepLabCut",
    ),
    (
        "dlc/bsoid_bottomup/raw_clip1DLC_resnet50_OpenFieldHighResApr8shuffle1_1030000.h5",
        "DeepLabCut",
    ),
    ("sleap/fly_courtship/predictions.slp", "SLEAP"),
    ("sleap/fly_courtship/predictions.analysis.h5", "SLEAP"),
    ("sleap/clip_tracks/clip.predictions.slp", "SLEAP"),
]


def _equal(a, b) -> bool:
    return np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize(
    "name, software", FILES, ids=[f[0].split("/")[-1] for f in FILES]
)
def test_movement_and_load_poses_agree_both_ways(name, software, shared_data):
    path = shared_data / name
    ours = load_poses(path)
    theirs = movement_io.load_dataset(path, software, fps=ours.fps)

    back = from_movement(theirs)  # movement -> Poses
    assert _equal(back.position, ours.position)
    assert _equal(back.confidence, ours.confidence)
    assert back.keypoints == ours.keypoints and back.individuals == ours.individuals
    assert back.fps == ours.fps
    np.testing.assert_array_equal(back.frame_index, ours.frame_index)
    assert back.path == path

    ds = to_movement(ours)  # Poses -> movement
    assert ds["position"].dims == theirs["position"].dims
    assert _equal(ds["position"].values, theirs["position"].values)
    scored = ~np.isnan(theirs["position"].values).any(axis=1)
    scored &= ~np.isnan(theirs["confidence"].values)  # a file without scores: NaN
    assert scored.any() or np.isnan(theirs["confidence"].values).all()
    assert _equal(ds["confidence"].values[scored], theirs["confidence"].values[scored])
    for coord in ("time", "space", "keypoints", "individuals"):
        np.testing.assert_array_equal(ds[coord].values, theirs[coord].values)
    assert ds.attrs.get("fps") == theirs.attrs.get("fps")
    assert ds.attrs["time_unit"] == theirs.attrs["time_unit"]


def test_frame_numbers_survive_a_round_trip(shared_data):
    poses = load_poses(shared_data / FILES[0][0]).select_frames(slice(700, 900))
    poses = poses.replace(frame_index=np.arange(700, 900))
    ds = to_movement(poses)
    assert ds["time"].values[0] == pytest.approx(700 / poses.fps)
    back = from_movement(ds)
    np.testing.assert_array_equal(back.frame_index, np.arange(700, 900))
    assert _equal(back.position, poses.position)
    no_fps = from_movement(to_movement(poses.replace(fps=None)))
    np.testing.assert_array_equal(no_fps.frame_index, np.arange(700, 900))


def test_a_dataset_that_is_not_poses_is_refused(shared_data):
    ds = to_movement(load_poses(shared_data / FILES[0][0])).drop_vars("position")
    with pytest.raises(FileProblemError, match="openfield.*not a movement poses"):
        from_movement(ds)
