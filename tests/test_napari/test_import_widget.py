"""Tests for behavert.napari.widgets.import_widget (the "Import poses" widget)."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.gui

DLC = "dlc/openfield_pranav"
DLC_CSV = f"{DLC}/openfield_dlc_inference_example.csv"
SLP = "sleap/centered_pair/centered_pair_predictions.slp"


@pytest.fixture
def widget(make_napari_viewer_proxy):
    from behavert.napari.widgets import ImportPosesWidget

    viewer = make_napari_viewer_proxy(show=True)
    return ImportPosesWidget(viewer), viewer


def _click_import(widget) -> None:
    from qtpy.QtWidgets import QPushButton

    widget.native.findChild(QPushButton, "import_button").click()


def test_controls_have_object_names(widget):
    from qtpy.QtWidgets import QWidget

    import_widget, _ = widget
    for name in [
        "pose_file",
        "video_file",
        "likelihood_threshold",
        "fps",
        "max_animals",
    ]:
        assert import_widget.native.findChild(QWidget, name) is not None, name


def test_import_with_explicit_video_and_reimport(
    widget, shared_data, mocker, screenshot
):
    import_widget, viewer = widget
    show_error = mocker.patch("behavert.napari._notify.show_error")
    import_widget._pose_file.value = shared_data / DLC_CSV
    import_widget._video_file.value = shared_data / DLC / "m3v1mp4.mp4"
    import_widget._fps.value = 25.0
    _click_import(import_widget)
    show_error.assert_not_called()
    names = [layer.name for layer in viewer.layers]
    stem = "openfield_dlc_inference_example"
    assert names == [f"{stem} video", f"{stem} keypoints", f"{stem} skeleton"]
    assert viewer.layers[0].data.shape == (2330, 480, 640)
    assert not isinstance(viewer.layers[0].data, np.ndarray)
    poses = viewer.layers[1].metadata["poses"]
    assert poses.fps == 25.0
    n_all = len(viewer.layers[1].data)
    assert "2330 frames" in import_widget._status.value

    # re-import with a likelihood threshold: same layers, replaced in place
    import_widget._likelihood.value = 0.95
    _click_import(import_widget)
    assert [layer.name for layer in viewer.layers] == names
    points = viewer.layers[f"{stem} keypoints"]
    assert len(points.data) < n_all
    assert (points.features["confidence"] >= 0.95).all()
    viewer.dims.set_point(0, 1200)
    viewer.reset_view()
    shot = screenshot(viewer, "openfield_dlc.png")
    assert shot[..., :3].std() > 5


def test_missing_file_is_a_notification(widget, tmp_path, mocker):
    import_widget, viewer = widget
    show_error = mocker.patch("behavert.napari._notify.show_error")
    import_widget._pose_file.value = tmp_path / "synthetic_missing.slp"
    _click_import(import_widget)
    show_error.assert_called_once()
    assert "synthetic_missing.slp" in show_error.call_args.args[0]
    assert len(viewer.layers) == 0


def test_no_file_chosen_is_a_notification(widget, mocker):
    import_widget, viewer = widget
    show_error = mocker.patch("behavert.napari._notify.show_error")
    assert import_widget._on_import_button_clicked() == []
    show_error.assert_called_once()


def _type_max_animals(import_widget, qtbot, text: str) -> None:
    """Type a number into the Max animals box, as a user does."""
    from qtpy.QtCore import Qt
    from qtpy.QtWidgets import QAbstractSpinBox

    box = import_widget.native.findChild(QAbstractSpinBox, "max_animals")
    assert box is not None
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert import_widget._max_animals.value == int(text)


def test_max_animals_stitches_fragmented_sleap_tracks(
    widget, shared_data, qtbot, mocker
):
    """centered_pair: 27 track IDs for 2 flies; Max animals 2 gives 2 animals."""
    import_widget, viewer = widget
    show_error = mocker.patch("behavert.napari._notify.show_error")
    import_widget._pose_file.value = shared_data / SLP
    _type_max_animals(import_widget, qtbot, "2")
    _click_import(import_widget)
    show_error.assert_not_called()
    poses = viewer.layers["centered_pair_predictions keypoints"].metadata["poses"]
    assert poses.individuals == ("individual_0", "individual_1")
    individuals = viewer.layers["centered_pair_predictions keypoints"].features
    assert set(individuals["individual"]) == {"individual_0", "individual_1"}
    status = import_widget._status.value
    assert "2 individuals" in status and "27 tracks stitched into 2 animals" in status

    # as many as the tracks: kept as stored (re-import in place)
    _type_max_animals(import_widget, qtbot, "27")
    _click_import(import_widget)
    poses = viewer.layers["centered_pair_predictions keypoints"].metadata["poses"]
    assert poses.n_individuals == 27 and "27 individuals" in import_widget._status.value


def test_max_animals_is_ignored_for_dlc_files(widget, shared_data, qtbot, mocker):
    import_widget, viewer = widget
    show_error = mocker.patch("behavert.napari._notify.show_error")
    import_widget._pose_file.value = shared_data / DLC_CSV
    _type_max_animals(import_widget, qtbot, "2")
    _click_import(import_widget)
    show_error.assert_not_called()
    assert "1 individuals" in import_widget._status.value
    assert "SLEAP files only" in import_widget._status.value


def test_open_project_lists_its_recordings_to_choose_from(
    widget, shared_data, tmp_path, qtbot, mocker
):
    """Type a folder of SLEAP files, click Open project, pick the second
    recording in the list, click Import: that recording's layers."""
    import os

    from qtpy.QtWidgets import QComboBox, QLineEdit, QPushButton, QWidget

    show_error = mocker.patch("behavert.napari._notify.show_error")
    import_widget, viewer = widget
    for name in ("sleap/clip_tracks/clip.predictions.slp", SLP):
        os.symlink(shared_data / name, tmp_path / name.split("/")[-1])
    project = import_widget.native.findChild(QWidget, "project")
    line = project.findChild(QLineEdit)
    line.clear()
    qtbot.keyClicks(line, str(tmp_path))
    qtbot.keyClick(line, "\r")
    import_widget.native.findChild(QPushButton, "open_project_button").click()
    show_error.assert_not_called()
    combo = import_widget.native.findChild(QWidget, "recording")
    combo = combo if isinstance(combo, QComboBox) else combo.findChild(QComboBox)
    items = [combo.itemText(i) for i in range(combo.count())]
    assert items == ["centered_pair_predictions.slp", "clip.predictions.slp"]
    assert "SLEAP folder" in import_widget._status.value
    combo.setCurrentIndex(1)
    assert str(import_widget._pose_file.value).endswith("clip.predictions.slp")
    _click_import(import_widget)
    show_error.assert_not_called()
    assert any("clip.predictions" in layer.name for layer in viewer.layers)

    line.clear()
    qtbot.keyClicks(line, str(tmp_path / "nowhere"))
    qtbot.keyClick(line, "\r")
    import_widget.native.findChild(QPushButton, "open_project_button").click()
    assert "nowhere" in show_error.call_args.args[0]
    assert import_widget._status.value.startswith("project not opened")
