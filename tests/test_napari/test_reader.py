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
def test_refuses_files_that_are_not_poses(tmp_path, shared_data):
    text = tmp_path / "synthetic.txt"
    text.write_text("hello")
    table = tmp_path / "synthetic_table.csv"
    table.write_text("a,b\n1,2\n")
    boris = shared_data / "labelled/ethome_resident_intruder"
    boris = boris / "e3v813a-20210610T122332-122642_reencode.csv"
    assert napari_get_reader(str(text)) is None
    assert napari_get_reader(str(table)) is None
    assert napari_get_reader(str(boris)) is None
    assert napari_get_reader([str(table), str(text)]) is None
    assert napari_get_reader(str(tmp_path)) is None


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
def test_corrupt_file_in_viewer_does_not_crash(
    make_napari_viewer, truncated_slp, mocker
):
    show_error = mocker.patch("behavert.napari._notify.show_error")
    viewer = make_napari_viewer()
    viewer.open(str(truncated_slp), plugin="napari-behavert")
    assert len(viewer.layers) == 0
    show_error.assert_called_once()
