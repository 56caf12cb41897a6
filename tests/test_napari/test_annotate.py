"""Tests for behavert.napari.widgets.annotate (the "Annotate behaviour" widget)."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def annotated(make_napari_viewer):
    """A shown viewer with a small synthetic recording and the Annotate widget."""
    from napari.layers import Layer

    from behavert.datasets.synthetic import generate_synthetic
    from behavert.napari.convert.layers import poses_to_layers
    from behavert.napari.widgets.annotate import AnnotateWidget

    viewer = make_napari_viewer(show=True)
    rec = generate_synthetic(n_frames=120, seed=3)
    for item in poses_to_layers(rec.poses, name="synthetic"):
        viewer.add_layer(Layer.create(*item))
    widget = AnnotateWidget(viewer)
    widget.add_class("rearing")
    widget.add_class("grooming")
    return viewer, widget, rec.poses


def _press(viewer, qtbot, key):
    from qtpy.QtCore import Qt

    canvas = viewer.window._qt_viewer.canvas.native
    qtbot.keyClick(canvas, getattr(Qt.Key, f"Key_{key}"))


def test_controls_have_object_names(annotated):
    from qtpy.QtWidgets import QWidget

    _, widget, _ = annotated
    for name in ["pose_layer", "class_name", "bout_table", "file", "save_boris_button"]:
        assert widget.native.findChild(QWidget, name) is not None, name


def test_keys_mark_bouts_over_the_active_keypoints_layer(annotated, qtbot):
    viewer, widget, poses = annotated
    points = viewer.layers["synthetic keypoints"]
    viewer.layers.selection.active = points  # its own "1" deletes points
    points.selected_data = {0}
    n_points = len(points.data)
    viewer.dims.set_point(0, 10)
    _press(viewer, qtbot, "1")
    assert "press 1 to end" in widget._status.value
    viewer.dims.set_point(0, 20)
    _press(viewer, qtbot, "1")
    viewer.dims.set_point(0, 40)
    _press(viewer, qtbot, "2")
    viewer.dims.set_point(0, 30)  # ended before it started: frames 30-40
    _press(viewer, qtbot, "2")
    assert len(points.data) == n_points
    assert [(b.start, b.stop, b.behaviour) for b in widget.bouts] == [
        (10, 21, "rearing"),
        (30, 41, "grooming"),
    ]
    assert widget._bout_table.data.to_list() == [
        [10, 20, "rearing"],
        [30, 40, "grooming"],
    ]
    labels = points.metadata["annotations"]
    assert labels.names == ("rearing", "grooming")
    assert labels.values.shape == (poses.n_frames, 2)
    assert labels.values[10:21, 0].all() and labels.values[:, 0].sum() == 11
    drawn = viewer.layers["synthetic annotations"]
    assert len(drawn.data) == 22
    assert set(drawn.features["behaviour"]) == {"rearing", "grooming"}

    viewer.dims.set_point(0, 15)
    _press(viewer, qtbot, "Backspace")
    assert [b.behaviour for b in widget.bouts] == ["grooming"]
    assert len(viewer.layers["synthetic annotations"].data) == 11


def test_overlapping_bouts_merge_and_unknown_key_is_reported(annotated, mocker):
    viewer, widget, _ = annotated
    show_error = mocker.patch("behavert.napari._notify.show_error")
    for start, stop in [(5, 9), (8, 15)]:
        viewer.dims.set_point(0, start)
        widget.toggle_bout(0)
        viewer.dims.set_point(0, stop)
        widget.toggle_bout(0)
    assert [(b.start, b.stop) for b in widget.bouts] == [(5, 16)]
    assert widget.toggle_bout(5) is None
    assert "no class 6" in show_error.call_args.args[0]


def test_table_edit_delete_and_classes(annotated, mocker):
    viewer, widget, _ = annotated
    show_error = mocker.patch("behavert.napari._notify.show_error")
    for k, (a, b) in enumerate([(0, 4), (50, 60)]):
        viewer.dims.set_point(0, a)
        widget.toggle_bout(k)
        viewer.dims.set_point(0, b)
        widget.toggle_bout(k)
    table = widget._bout_table.native
    table.item(0, 1).setText("9")  # rearing now ends at frame 9
    assert (widget.bouts[0].start, widget.bouts[0].stop) == (0, 10)
    table.item(1, 2).setText("sleeping")  # not a class: undone and reported
    assert "unknown class 'sleeping'" in show_error.call_args.args[0]
    assert widget._bout_table.data.to_list()[1] == [50, 60, "grooming"]
    table.selectRow(0)
    widget._on_delete_button_clicked()
    assert [b.behaviour for b in widget.bouts] == ["grooming"]
    widget._classes_box.value = "grooming"
    widget._on_remove_class_button_clicked()
    assert widget.classes == ["rearing"] and widget.bouts == []
    with pytest.raises(ValueError, match="exists already"):
        widget.add_class("rearing")
    widget._class_name.value = "sniffing"
    widget._on_add_class_button_clicked()
    assert widget.classes == ["rearing", "sniffing"]
    assert widget._keys.value == "1: rearing  2: sniffing"


@pytest.mark.parametrize("kind", ["csv", "boris"])
def test_save_and_load_round_trip(annotated, tmp_path, kind, mocker):
    viewer, widget, poses = annotated
    show_error = mocker.patch("behavert.napari._notify.show_error")
    for k, (a, b) in enumerate([(3, 7), (60, 90), (100, 119)]):
        viewer.dims.set_point(0, a)
        widget.toggle_bout(k % 2)
        viewer.dims.set_point(0, b)
        widget.toggle_bout(k % 2)
    expected = widget.labels().values.copy()
    widget._file.value = tmp_path / f"labels_{kind}.csv"
    saver = getattr(widget, f"_on_save_{kind}_button_clicked")
    path = saver()
    show_error.assert_not_called()
    assert path is not None and path.is_file()
    if kind == "boris":
        assert "START" in path.read_text()

    widget._bouts = []
    widget._refresh()
    assert not widget.labels().values.any()
    labels = widget._on_load_button_clicked()
    show_error.assert_not_called()
    assert labels is not None
    np.testing.assert_array_equal(widget.labels().values, expected)
    assert len(widget.bouts) == 3

    widget._file.value = tmp_path / "missing.csv"
    assert widget._on_load_button_clicked() is None
    assert "missing.csv" in show_error.call_args.args[0]


def test_load_button_reads_a_real_cba_file(make_napari_viewer, shared_data, mocker):
    """A Caltech Behavior Annotator file of a real rat session, by the Load button."""
    from napari.layers import Layer
    from qtpy.QtWidgets import QLineEdit, QPushButton

    from behavert import load_poses
    from behavert.napari.convert.layers import poses_to_layers
    from behavert.napari.widgets.annotate import AnnotateWidget

    folder = shared_data / "labelled/rat_social_cba"
    poses = load_poses(next((folder / "dlc_csv").glob("39DLC*.csv")))
    viewer = make_napari_viewer(show=True)
    for item in poses_to_layers(poses, name="rat39"):
        viewer.add_layer(Layer.create(*item))
    widget = AnnotateWidget(viewer)
    show_error = mocker.patch("behavert.napari._notify.show_error")
    widget._file.value = folder / "annotations" / "39_annot.txt"
    widget.native.findChild(QPushButton, "load_button").click()
    show_error.assert_not_called()
    assert {"base", "social", "nonsocial", "aggression"} <= set(widget.classes)
    labels = widget.labels()
    assert labels.n_frames == poses.n_frames == 14310  # 3 label frames trimmed
    assert labels.values.any(axis=1).all()  # stream S1 covers every pose frame
    assert "39_annot.txt" in widget._status.value
    widget.native.findChild(QLineEdit, "stream").setText("S2")  # as a user types
    widget.native.findChild(QPushButton, "load_button").click()
    show_error.assert_not_called()
    assert "lateralthreat" in widget.classes  # an S2 aggression sub-type


def test_save_csv_button_writes_the_poses_frame_numbers(
    make_napari_viewer, tmp_path, mocker
):
    """Poses numbered from 700 (a trimmed recording): the saved ``frame`` column
    carries 700.., and Load lines the bouts up with the same frames again."""
    import pandas as pd
    from napari.layers import Layer
    from qtpy.QtWidgets import QPushButton

    from behavert.datasets.synthetic import generate_synthetic
    from behavert.napari.convert.layers import poses_to_layers
    from behavert.napari.widgets.annotate import AnnotateWidget

    show_error = mocker.patch("behavert.napari._notify.show_error")
    viewer = make_napari_viewer(show=True)
    poses = generate_synthetic(n_frames=120, seed=3).poses
    poses = poses.replace(frame_index=np.arange(700, 820))
    for item in poses_to_layers(poses, name="synthetic_trimmed"):
        viewer.add_layer(Layer.create(*item))
    widget = AnnotateWidget(viewer)
    widget.add_class("rearing")
    viewer.dims.set_point(0, 710)  # the time axis is in the file's frame numbers
    widget.toggle_bout(0)
    viewer.dims.set_point(0, 730)
    widget.toggle_bout(0)
    expected = widget.labels().values.copy()
    widget._file.value = tmp_path / "synthetic_trimmed_labels.csv"
    widget.native.findChild(QPushButton, "save_csv_button").click()
    show_error.assert_not_called()
    table = pd.read_csv(tmp_path / "synthetic_trimmed_labels.csv")
    assert table["frame"].tolist() == list(range(700, 820))
    assert table["rearing"].to_numpy().nonzero()[0].tolist() == list(range(10, 31))
    widget._bouts = []
    widget._refresh()
    widget.native.findChild(QPushButton, "load_button").click()
    show_error.assert_not_called()
    np.testing.assert_array_equal(widget.labels().values, expected)


def test_with_two_annotate_widgets_keys_go_to_the_one_shown(make_napari_viewer, qtbot):
    """The Annotate dock and the Workflow's Annotate tab open together: a key acts
    on the one the user sees (not on whichever bound its keys last), and both show
    the same classes and bouts."""
    from napari.layers import Layer
    from qtpy.QtWidgets import QPushButton

    from behavert.datasets.synthetic import generate_synthetic
    from behavert.napari.convert.layers import poses_to_layers
    from behavert.napari.widgets.annotate import AnnotateWidget
    from behavert.napari.widgets.workflow import WorkflowWidget

    viewer = make_napari_viewer(show=True)
    rec = generate_synthetic(n_frames=120, seed=3)
    for item in poses_to_layers(rec.poses, name="synthetic"):
        viewer.add_layer(Layer.create(*item))
    dock = AnnotateWidget(viewer)
    viewer.window.add_dock_widget(dock, name="Annotate behaviour")
    workflow = WorkflowWidget(viewer)  # binds the keys last; its Import tab is shown
    viewer.window.add_dock_widget(workflow, name="Workflow", tabify=True)
    viewer.window.add_dock_widget(dock, name="Annotate behaviour")  # back on top
    qtbot.waitUntil(lambda: dock.native.isVisible(), timeout=5_000)
    assert not workflow.annotate.native.isVisible()

    dock._class_name.value = "rearing"
    dock.native.findChild(QPushButton, "add_class_button").click()
    assert workflow.annotate.classes == ["rearing"]  # shared through the layer
    viewer.dims.set_point(0, 10)
    _press(viewer, qtbot, "1")
    assert "press 1 to end" in dock._status.value  # the dock took the key
    assert "press 1 to end" not in workflow.annotate._status.value
    viewer.dims.set_point(0, 20)
    _press(viewer, qtbot, "1")
    expected = [(10, 21, "rearing")]
    assert [(b.start, b.stop, b.behaviour) for b in dock.bouts] == expected
    assert [(b.start, b.stop, b.behaviour) for b in workflow.annotate.bouts] == expected

    # the dock closed, the Workflow's Annotate tab shown: the keys follow
    viewer.window.remove_dock_widget(dock.native)
    workflow.steps.setCurrentIndex(1)
    qtbot.waitUntil(lambda: workflow.annotate.native.isVisible(), timeout=5_000)
    viewer.dims.set_point(0, 40)
    _press(viewer, qtbot, "1")
    viewer.dims.set_point(0, 45)
    _press(viewer, qtbot, "1")
    assert [(b.start, b.stop) for b in workflow.annotate.bouts] == [(10, 21), (40, 46)]
    assert workflow.annotate._bout_table.data.to_list()[-1] == [40, 45, "rearing"]
