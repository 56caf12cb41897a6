"""Tests for behavert.napari._reader (npe2 reader of pose files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from behavert.io.video import VideoReader
from behavert.napari._reader import NO_LAYERS, napari_get_reader

SLP = "sleap/centered_pair/centered_pair_predictions.slp"
DLC_CSV = "dlc/openfield_pranav/openfield_dlc_inference_example.csv"
BORIS = "labelled/ethome_resident_intruder/e3v813a-20210610T122332-122642_reencode.csv"


@pytest.fixture
def truncated_slp(tmp_path, shared_data) -> Path:
    """A .slp cut after 5 kB (a synthetic corrupt copy under tmp_path)."""
    path = tmp_path / "synthetic_truncated.slp"
    path.write_bytes((shared_data / SLP).read_bytes()[:5000])
    return path


def _sleap_points(path: Path, frame: int) -> np.ndarray:
    """``(point, 2)`` (y, x) of every visible node in one frame, read by sleap-io."""
    import sleap_io as sio

    labels = sio.load_slp(str(path))
    (lf,) = [lf for lf in labels.labeled_frames if lf.frame_idx == frame]
    xy = np.concatenate([inst.numpy() for inst in lf.instances])
    xy = xy[np.isfinite(xy).all(1)]
    return xy[:, ::-1]


def _sorted_rows(a: np.ndarray) -> np.ndarray:
    return a[np.lexsort(a.T[::-1])]


# ------------------------------------------------------------ without viewer
def test_refuses_files_that_are_not_poses(tmp_path):
    text = tmp_path / "synthetic.txt"
    text.write_text("hello")
    table = tmp_path / "synthetic_table.csv"
    table.write_text("a,b\n1,2\n")  # a 0/1 column is not enough for labels
    assert napari_get_reader(str(text)) is None
    assert napari_get_reader(str(table)) is None
    assert napari_get_reader([str(table), str(text)]) is None
    assert napari_get_reader(str(tmp_path)) is None


def test_label_tables_are_named_with_where_to_load_them(tmp_path, shared_data, mocker):
    """A BORIS table or a label CSV: no layer, a notification saying what it is."""
    from behavert.io.labels import FrameLabels, save_frame_labels

    show_info = mocker.patch("napari.utils.notifications.show_info")
    reader = napari_get_reader(str(shared_data / BORIS))
    assert reader is not None
    assert reader("x") == NO_LAYERS
    text = show_info.call_args.args[0]
    assert "BORIS label table" in text and "Annotate" in text
    assert "e3v813a-20210610T122332-122642_reencode.csv" in text

    values = np.zeros((50, 2), dtype=bool)
    values[10:20, 0] = values[30:40, 1] = True
    labels = tmp_path / "synthetic_labels.csv"  # as the Annotate dock saves
    save_frame_labels(FrameLabels(("rearing", "grooming"), values), labels)
    reader = napari_get_reader(str(labels))
    assert reader is not None and reader("x") == NO_LAYERS
    text = show_info.call_args.args[0]
    assert "label table (rearing, grooming)" in text and "Annotate" in text


def test_fragmented_sleap_tracks_open_as_the_animals(shared_data, mocker):
    """centered_pair: 27 track IDs for 2 flies open as 2 animals, and it says so."""
    show_info = mocker.patch("napari.utils.notifications.show_info")
    layers = napari_get_reader(str(shared_data / SLP))("x")
    poses = layers[1][1]["metadata"]["poses"]
    assert poses.individuals == ("individual_0", "individual_1")
    assert np.isnan(poses.position).mean() < 0.1  # 93 % NaN as 27 tracks
    note = show_info.call_args.args[0]
    assert "27 tracks stitched into 2 animals" in note and "Max animals" in note

    # two tracks for two flies: kept as stored, nothing to say
    show_info.reset_mock()
    path = shared_data / "sleap/fly_courtship/predictions.slp"
    poses = napari_get_reader(str(path))("x")[1][1]["metadata"]["poses"]
    assert poses.individuals == ("track_0", "track_1")
    show_info.assert_not_called()


def test_usual_animals_ignores_rare_crowded_frames():
    from behavert.io.poses import Poses
    from behavert.napari._reader import usual_animals

    position = np.full((100, 6, 1, 2), np.nan)
    position[:, :2] = 1.0  # two animals in every frame
    position[:5, 2] = 1.0  # a spurious third in 5 % of the frames
    poses = Poses(
        position=position,
        confidence=np.ones((100, 6, 1)),
        keypoints=("c",),
        individuals=tuple("abcdef"),
    )
    assert usual_animals(poses) == 2
    crowded = position.copy()
    crowded[:20, 2] = 1.0  # three in 20 % of the frames: usual
    assert usual_animals(poses.replace(position=crowded)) == 3
    assert usual_animals(poses.replace(position=np.full_like(position, np.nan))) == 0


def test_reader_returns_layers(shared_data):
    reader = napari_get_reader([str(shared_data / SLP)])
    assert callable(reader)
    layers = reader(str(shared_data / SLP))
    assert [lt for _, _, lt in layers] == ["image", "points", "vectors"]
    assert isinstance(layers[0][0], VideoReader)


def test_corrupt_file_becomes_a_notification(truncated_slp, mocker):
    show_error = mocker.patch("behavert.napari._notify.show_error")
    reader = napari_get_reader(str(truncated_slp))
    assert reader is not None
    assert reader(str(truncated_slp)) == NO_LAYERS
    show_error.assert_called_once()
    assert "synthetic_truncated.slp" in show_error.call_args.args[0]


def test_warnings_become_notifications(shared_data, mocker):
    """testDLC_sleap.slp names a video that is absent: a warning notification."""
    show_warning = mocker.patch("behavert.napari._notify.show_warning")
    reader = napari_get_reader(str(shared_data / "dlc/deepof_tests/testDLC_sleap.slp"))
    assert reader is not None
    show_warning.assert_called()
    assert "video" in show_warning.call_args.args[0]
    assert [lt for _, _, lt in reader("x")] == ["points", "vectors"]


def test_index_offset_of_real_file(shared_data):
    """reachingDEMO_2D.h5 starts at frame 42150; its points sit on those frames."""
    path = shared_data / "dlc/dlc2kinematics_reaching/reachingDEMO_2D.h5"
    layers = napari_get_reader(str(path))(str(path))
    points, kwargs, _ = layers[0]
    assert points[:, 0].min() == 42150 and points[:, 0].max() == 42949
    table = pd.read_hdf(path)
    first = table.columns.get_level_values(1)[0]
    x = table.loc[42500].xs((first, "x"), level=(1, 2)).item()
    y = table.loc[42500].xs((first, "y"), level=(1, 2)).item()
    sel = (kwargs["features"]["frame"] == 42500) & (
        kwargs["features"]["keypoint"] == first
    )
    np.testing.assert_allclose(points[sel.to_numpy(), 1:], [[y, x]])


# ---------------------------------------------------------------- in napari
@pytest.mark.gui
def test_open_sleap_in_viewer(make_napari_viewer, shared_data, screenshot):
    viewer = make_napari_viewer(show=True)
    viewer.open(str(shared_data / SLP), plugin="napari-behavert")
    names = [layer.name for layer in viewer.layers]
    assert names == [
        "centered_pair_predictions video",
        "centered_pair_predictions keypoints",
        "centered_pair_predictions skeleton",
    ]
    image, points, skeleton = viewer.layers
    assert not isinstance(image.data, np.ndarray)  # lazy video
    assert image.data.shape == (1100, 384, 384) and not image.rgb
    assert {"individual", "keypoint", "confidence", "frame"} <= set(
        points.features.columns
    )
    assert type(skeleton).__name__ == "Vectors" and len(skeleton.data) > 0
    frame = 100
    shown = points.data[points.data[:, 0] == frame, 1:]
    expected = _sleap_points(shared_data / SLP, frame)
    np.testing.assert_allclose(_sorted_rows(shown), _sorted_rows(expected))
    viewer.dims.set_point(0, frame)
    viewer.reset_view()
    assert image.data.n_decoded < 20  # only the frames shown were decoded
    shot = screenshot(viewer, "centered_pair_sleap.png")
    assert shot[..., :3].std() > 5


@pytest.mark.gui
def test_open_dlc_csv_in_viewer(make_napari_viewer, shared_data):
    viewer = make_napari_viewer()
    viewer.open(str(shared_data / DLC_CSV), plugin="napari-behavert")
    points = viewer.layers["openfield_dlc_inference_example keypoints"]
    table = pd.read_csv(shared_data / DLC_CSV, header=[0, 1, 2], index_col=0)
    frame = 1200
    features = points.features
    for bodypart in table.columns.get_level_values(1).unique():
        x = table.iloc[frame].xs((bodypart, "x"), level=(1, 2)).item()
        y = table.iloc[frame].xs((bodypart, "y"), level=(1, 2)).item()
        sel = (features["frame"] == frame) & (features["keypoint"] == bodypart)
        np.testing.assert_allclose(points.data[sel.to_numpy(), 1:], [[y, x]])


@pytest.mark.gui
def test_boris_table_dropped_on_napari_says_what_it_is(
    make_napari_viewer, shared_data, mocker
):
    show_info = mocker.patch("napari.utils.notifications.show_info")
    viewer = make_napari_viewer()
    viewer.open(str(shared_data / BORIS), plugin="napari-behavert")
    assert len(viewer.layers) == 0
    assert "BORIS label table" in show_info.call_args.args[0]


@pytest.mark.gui
def test_corrupt_file_in_viewer_does_not_crash(
    make_napari_viewer, truncated_slp, mocker
):
    show_error = mocker.patch("behavert.napari._notify.show_error")
    viewer = make_napari_viewer()
    viewer.open(str(truncated_slp), plugin="napari-behavert")
    assert len(viewer.layers) == 0
    show_error.assert_called_once()
