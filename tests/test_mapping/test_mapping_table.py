"""Tests of behavert.napari.widgets.mapping_table (review/edit a keypoint mapping)."""

from __future__ import annotations

import pytest

from behavert.data.mapping import map_keypoints
from behavert.io.mapping_file import load_mapping

pytestmark = pytest.mark.gui

RAT = ("Snout", "Ear_left", "Head", "Spine1", "Spine2", "TailRoot")
MOUSE = ("nose", "left_ear", "neck", "spine", "tail_base", "tail_tip")


@pytest.fixture
def widget(qtbot):
    from behavert.napari.widgets.mapping_table import KeypointMappingWidget

    w = KeypointMappingWidget(map_keypoints(RAT, MOUSE))
    qtbot.addWidget(w.native)
    return w


def test_table_shows_the_automatic_mapping(widget):
    from qtpy.QtWidgets import QWidget

    assert widget.mapping == map_keypoints(RAT, MOUSE)
    assert widget.native.findChild(QWidget, "map_Snout") is not None
    summary = widget._summary.value
    assert "spine = mean(Spine1, Spine2)" in summary
    assert "tail_tip" in summary  # missing, masked


def test_editing_a_row_changes_the_mapping_and_saves(widget, tmp_path, mocker):
    from behavert.napari.widgets.mapping_table import LEFT_OUT

    widget._rows["Head"].value = "tail_tip"
    widget._rows["Spine2"].value = LEFT_OUT
    m = widget.mapping
    assert m.mapped["Head"] == "tail_tip" and "Spine2" in m.left_out
    assert dict((s, r) for s, _, r in m.pairs)["Head"] == "user"
    assert dict((s, r) for s, _, r in m.pairs)["Snout"] == "synonym"
    assert "merged: none" in widget._summary.value
    widget._file.value = tmp_path / "map.csv"
    widget._save.clicked.emit()
    assert load_mapping(tmp_path / "map.csv")["Head"] == "tail_tip"
    error = mocker.patch("behavert.napari.widgets.mapping_table.notify_error")
    widget._file.value = tmp_path / "map.txt"
    widget._save.clicked.emit()
    error.assert_called_once()
