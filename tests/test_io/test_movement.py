"""movement interop on every shared DLC and SLEAP file.

* Every file: `Poses` -> `to_movement` -> `from_movement` gives the same poses.
* Every file movement's own loader reads: its dataset and `load_poses` agree
  exactly (positions, confidence, keypoint and individual names, fps, frame
  numbers) both ways, except where behavert reads the file differently on
  purpose (KNOWN_DIFFERENCES, checked to be exactly that difference).
* Files movement cannot read are listed in docs/movement.md with movement's
  own error (UNREADABLE); the test fails when that list changes.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from behavert.errors import FileProblemError
from behavert.io import load_poses
from behavert.io.movement import from_movement, to_movement

movement_io = pytest.importorskip("movement.io", reason="the movement extra")

DOCS = Path(__file__).resolve().parents[2] / "docs" / "movement.md"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"

NO_KEY = "Could not find the expected dataset(s) {'df_with_missing'}"
DEEPOF = "dlc/deepof_tests/testDLC_h5_table"
#: files movement 0.15 cannot read, with the start of its own error message
UNREADABLE = {
    f"{DEEPOF}.h5": NO_KEY,
    f"{DEEPOF}_madlc.h5": NO_KEY,
    f"{DEEPOF}_multi.h5": NO_KEY,
    "dlc/openfield_pranav/labeled-data/m4s1/CollectedData_Pranav.csv": (
        ".csv header rows do not match the known format"
    ),
    "sleap/centered_pair/centered_pair_standard.analysis.h5": (
        "Expected 'position_array' to have 2 or 3 spatial dimensions, but got 27"
    ),
}

#: where behavert reads a file differently from movement, on purpose
KNOWN_DIFFERENCES = {
    # DLC writes x = y = likelihood = 0 for an undetected point: behavert NaN
    "dlc/deepof_tests/testDLC_csv_table_madlc.csv": "zeros",
    # the file's index starts at frame 42150: behavert keeps it, movement 0..
    "dlc/dlc2kinematics_reaching/reachingDEMO_2D.h5": "frame numbers",
}


def _pose_files() -> list[str]:
    if not SHARED.is_dir():
        return []
    found = []
    for path in sorted(SHARED.rglob("*")):
        if path.suffix not in (".h5", ".csv", ".slp"):
            continue
        rel = path.relative_to(SHARED).as_posix()
        if rel.startswith(("dlc/", "sleap/")) or "DLC" in path.name:
            found.append(rel)
    return found


def _software(poses) -> str:
    return "SLEAP" if poses.source.startswith("sleap") else "DeepLabCut"


def _equal(a, b) -> bool:
    return np.array_equal(a, b, equal_nan=True)


def _same(a, b) -> None:
    assert _equal(a.position, b.position)
    assert _equal(a.confidence, b.confidence)
    assert a.keypoints == b.keypoints and a.individuals == b.individuals
    assert a.fps == b.fps
    np.testing.assert_array_equal(a.frame_index, b.frame_index)


@pytest.mark.parametrize("name", _pose_files())
def test_every_shared_file(name, shared_data):
    path = shared_data / name
    ours = load_poses(path)
    _same(from_movement(to_movement(ours)), ours)  # our round trip, always
    logging.disable(logging.ERROR)  # movement logs its own errors loudly
    try:
        theirs = movement_io.load_dataset(path, _software(ours), fps=ours.fps)
    except Exception as error:  # movement cannot read it: must be the listed one
        assert name in UNREADABLE, f"movement cannot read {name}: {error}"
        assert str(error).startswith(UNREADABLE[name]), str(error)
        return
    finally:
        logging.disable(logging.NOTSET)
    assert name not in UNREADABLE, f"movement now reads {name}: update the list"
    back = from_movement(theirs)
    difference = KNOWN_DIFFERENCES.get(name)
    if difference == "zeros":  # exactly the 0/0/0 points differ
        zeros = (back.position == 0).all(-1) & (back.confidence == 0)
        assert zeros.any() and np.isnan(ours.position[zeros]).all()
        position, confidence = back.position.copy(), back.confidence.copy()
        position[zeros], confidence[zeros] = np.nan, np.nan
        back = back.replace(position=position, confidence=confidence)
    if difference == "frame numbers":  # the same rows, numbered from the file
        assert back.frame_index[0] == 0 and ours.frame_index[0] > 0
        np.testing.assert_array_equal(
            ours.frame_index - ours.frame_index[0], back.frame_index
        )
        back = back.replace(frame_index=ours.frame_index)
    _same(back, ours)
    assert back.path == path
    if difference is not None:
        return
    ds = to_movement(ours)  # Poses -> movement, against movement's own dataset
    assert ds["position"].dims == theirs["position"].dims
    assert _equal(ds["position"].values, theirs["position"].values)
    scored = ~np.isnan(theirs["position"].values).any(axis=1)
    scored &= ~np.isnan(theirs["confidence"].values)  # a file without scores: NaN
    assert _equal(ds["confidence"].values[scored], theirs["confidence"].values[scored])
    for coord in ("time", "space", "keypoints", "individuals"):
        np.testing.assert_array_equal(ds[coord].values, theirs[coord].values)
    assert ds.attrs.get("fps") == theirs.attrs.get("fps")
    assert ds.attrs["time_unit"] == theirs.attrs["time_unit"]


def test_the_unreadable_files_are_documented():
    text = DOCS.read_text()
    for name, error in UNREADABLE.items():
        assert name in text and error in text, name


def test_frame_numbers_survive_a_round_trip(shared_data):
    source = shared_data / "dlc/openfield_pranav/openfield_dlc_inference_example.csv"
    poses = load_poses(source).select_frames(slice(700, 900))
    poses = poses.replace(frame_index=np.arange(700, 900))
    ds = to_movement(poses)
    assert ds["time"].values[0] == pytest.approx(700 / poses.fps)
    back = from_movement(ds)
    np.testing.assert_array_equal(back.frame_index, np.arange(700, 900))
    assert _equal(back.position, poses.position)
    no_fps = from_movement(to_movement(poses.replace(fps=None)))
    np.testing.assert_array_equal(no_fps.frame_index, np.arange(700, 900))


def test_a_dataset_that_is_not_poses_is_refused(shared_data):
    source = shared_data / "dlc/openfield_pranav/openfield_dlc_inference_example.csv"
    ds = to_movement(load_poses(source)).drop_vars("position")
    with pytest.raises(FileProblemError, match="openfield.*not a movement poses"):
        from_movement(ds)
