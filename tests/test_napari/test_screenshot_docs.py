"""The README's workflow screenshot: the ethome recording, every dock, 1366x768.

The picture is saved under ``tmp_path`` and, with
``BEHAVERT_WRITE_SCREENSHOTS=1``, copied to ``docs/images/`` (as the
``screenshot`` fixture does). Everything is done as a person would: File >
Open, every entry of Plugins > BehaVERT, the BORIS labels typed into the
Workflow's Annotate step and loaded with its button, Refresh on the Timeline,
a click on the Timeline at a bout to go to it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from qtpy.QtCore import QPoint, Qt
from test_layout import (
    ETHOME,
    canvas_share,
    click_tab,
    open_every_dock,
    open_on_screen,
    workflow_of,
)

pytestmark = [pytest.mark.gui, pytest.mark.realdata]

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
NAME = "workflow_laptop.png"
SCREEN = (1366, 768)
MAX_BYTES = 400_000


def _load_boris(workflow, qtbot, path) -> None:
    """Annotate step: type the label file's path, press Load."""
    from qtpy.QtWidgets import QLineEdit, QPushButton, QWidget

    click_tab(qtbot, workflow.steps.tabBar(), 1)  # Annotate
    panel = workflow.annotate.native
    line = panel.findChild(QWidget, "file").findChild(QLineEdit)
    line.clear()
    qtbot.keyClicks(line, str(path))
    panel.findChild(QPushButton, "load_button").click()
    qtbot.wait(100)


def test_workflow_screenshot_on_a_laptop_screen(
    make_napari_viewer, qtbot, shared_data, tmp_path
):
    from qtpy.QtWidgets import QPushButton

    from behavert.napari.widgets.timeline import TimelineWidget

    viewer = open_on_screen(make_napari_viewer, qtbot, shared_data, SCREEN)
    open_every_dock(viewer, qtbot)
    workflow = workflow_of(viewer, qtbot)
    (boris,) = (shared_data / ETHOME).glob("*_reencode.csv")
    _load_boris(workflow, qtbot, boris)
    status = workflow.annotate._status.value
    assert status.startswith("loaded 10 bouts"), status

    (timeline,) = [
        w for w in viewer.window.dock_widgets.values() if isinstance(w, TimelineWidget)
    ]
    timeline.findChild(QPushButton, "refresh_button").click()
    qtbot.wait(100)
    assert any(name.endswith(": annotations") for name in timeline.track_names)
    table = workflow.annotate._bout_table.native
    bouts = [
        (int(table.item(r, 0).text()), int(table.item(r, 1).text()))
        for r in range(table.rowCount())
    ]
    first, last = max(bouts, key=lambda b: b[1] - b[0])  # the longest bout
    frame = (first + last) // 2
    x = timeline.x_of(frame)
    assert x is not None
    qtbot.mouseClick(timeline.canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(x), 30))
    qtbot.wait(200)
    assert first <= int(viewer.dims.current_step[0]) <= last  # inside the bout

    # the time slider is labelled "frame" (napari's default label is "-3")
    slider = viewer.window._qt_viewer.dims.slider_widgets[0]
    assert slider.axis_label.text() == "frame"
    assert viewer.dims.range[0].start == 0
    window = viewer.window._qt_window
    assert (window.width(), window.height()) == SCREEN
    assert canvas_share(viewer) >= 0.5
    path = tmp_path / NAME
    image = viewer.screenshot(str(path), canvas_only=False)
    assert image.shape[:2] == (SCREEN[1], SCREEN[0])
    assert image[..., :3].std() > 5  # not a blank window
    # the mice are drawn on the canvas (orange and blue points, not all black)
    canvas = viewer.window._qt_viewer.canvas.native
    top_left = canvas.mapTo(window, QPoint(0, 0))
    crop = image[
        top_left.y() : top_left.y() + canvas.height(),
        top_left.x() : top_left.x() + canvas.width(),
        :3,
    ].astype(int)
    coloured = (crop.max(axis=-1) - crop.min(axis=-1)) > 80
    assert coloured.sum() > 200, "no coloured keypoints on the canvas"
    assert path.stat().st_size < MAX_BYTES, path.stat().st_size
    if os.environ.get("BEHAVERT_WRITE_SCREENSHOTS") == "1":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_IMAGES / NAME)
