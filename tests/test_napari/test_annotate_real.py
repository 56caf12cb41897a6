"""The Annotate dock on the real ethome recording, opened as a user opens it.

The pose file is opened with ``viewer.open`` (the BehaVERT reader) and the dock
from the plugin menu (``add_plugin_dock_widget``: the widget gets napari's
public-only viewer proxy, as in the app); keys are pressed on the canvas and
buttons clicked.
"""

from __future__ import annotations

import pytest
from fixtures.gui import click, type_path

pytestmark = [pytest.mark.gui, pytest.mark.realdata]

ETHOME = "labelled/ethome_resident_intruder"


@pytest.fixture
def ethome(make_napari_viewer, shared_data):
    """A shown viewer with the ethome DLC CSV and the Annotate dock."""
    folder = shared_data / ETHOME
    viewer = make_napari_viewer(show=True)
    viewer.open(
        str(next(folder.glob("*DLC*_el_filtered.csv"))), plugin="napari-behavert"
    )
    _, widget = viewer.window.add_plugin_dock_widget(
        "napari-behavert", "Annotate behaviour"
    )
    return viewer, widget, folder


def _press(viewer, qtbot, key: str) -> None:
    from qtpy.QtCore import Qt

    qtbot.keyClick(
        viewer.window._qt_viewer.canvas.native, getattr(Qt.Key, f"Key_{key}")
    )


def _click_canvas(viewer, qtbot) -> None:
    from qtpy.QtCore import QPoint, Qt

    canvas = viewer.window._qt_viewer.canvas.native
    centre = QPoint(canvas.width() // 2, canvas.height() // 2)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=centre)


def test_bout_keys_after_a_boris_load_never_add_points(ethome, qtbot, mocker):
    """Load the BORIS file, select the new annotations layer: 1 marks a bout,
    2 (no class 2) changes no layer mode, and a click adds no point."""
    viewer, widget, folder = ethome
    show_error = mocker.patch("behavert.napari._notify.show_error")
    type_path(qtbot, widget, "file", next(folder.glob("*_reencode.csv")))
    click(widget, "load_button")
    show_error.assert_not_called()
    assert widget.classes == ["interact"] and len(widget.bouts) == 10
    name = next(
        n for n in (layer.name for layer in viewer.layers) if "annotations" in n
    )
    annotations = viewer.layers[name]
    n_points = len(annotations.data)
    assert n_points == 673  # one text point per annotated frame
    assert viewer.layers.selection.active.name != name  # not left selected
    assert not annotations.editable  # a read-only overlay
    viewer.layers.selection.active = annotations  # as the user may select it
    before = [(b.start, b.stop) for b in widget.bouts]

    viewer.dims.set_point(0, 10)
    _press(viewer, qtbot, "1")
    viewer.dims.set_point(0, 20)
    _press(viewer, qtbot, "1")
    _press(viewer, qtbot, "2")  # napari's "add points" key on a Points layer
    assert "no class 2" in show_error.call_args.args[0]
    assert annotations.mode == "pan_zoom"
    _click_canvas(viewer, qtbot)
    annotations = viewer.layers[name]
    assert [(b.start, b.stop) for b in widget.bouts] == [(10, 21), *before]
    assert len(annotations.data) == n_points + 11  # the new bout, no stray point
    assert "interact: frames 10-20" in widget._status.value

    later = viewer.add_points(ndim=3, name="added later")  # a layer added after
    viewer.layers.selection.active = later
    _press(viewer, qtbot, "2")
    assert later.mode == "pan_zoom"
    _click_canvas(viewer, qtbot)
    assert len(later.data) == 0


def test_save_boris_without_a_frame_rate_says_what_to_do(
    ethome, qtbot, tmp_path, mocker
):
    """No video, so no frame rate: Save BORIS fails with a message naming the
    'Frame rate (fps)' field, the status line shows the failure (not the last
    save), and after typing 30 there the file is written and loads back."""
    from qtpy.QtCore import Qt
    from qtpy.QtWidgets import QAbstractSpinBox

    viewer, widget, folder = ethome
    show_error = mocker.patch("behavert.napari._notify.show_error")
    fps_box = widget.native.findChild(QAbstractSpinBox, "fps")
    assert fps_box.value() == 0  # the poses have no frame rate
    assert fps_box.text() == "unknown"  # what the user reads, not "0.00"
    type_path(qtbot, widget, "file", next(folder.glob("*_reencode.csv")))
    click(widget, "load_button")  # BORIS times read at the table's FPS (30)
    bouts = widget.bouts
    assert len(bouts) == 10
    type_path(qtbot, widget, "file", tmp_path / "ethome_labels.csv")
    click(widget, "save_csv_button")
    assert widget._status.value.startswith("saved 10 bouts")

    boris = tmp_path / "ethome_boris.csv"
    type_path(qtbot, widget, "file", boris)
    click(widget, "save_boris_button")
    message = show_error.call_args.args[0]
    assert "Frame rate (fps)" in message and "e.g. 30" in message
    assert widget._status.value.startswith("not saved:")
    assert "Frame rate (fps)" in widget._status.value
    assert not boris.exists()

    fps_box.selectAll()  # the user types the rate into the field
    qtbot.keyClicks(fps_box, "30")
    qtbot.keyClick(fps_box, Qt.Key.Key_Return)
    assert widget._fps.value == 30 and fps_box.text() == "30.00"
    click(widget, "save_boris_button")
    assert boris.is_file() and widget._status.value == "saved 10 bouts to " + boris.name
    assert ",30," in boris.read_text()  # the FPS column
    widget._bouts = []
    click(widget, "load_button")
    assert widget.bouts == bouts
