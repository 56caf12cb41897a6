"""Every BehaVERT dock open on a laptop screen: the video keeps room (issue 13).

The real ethome recording (a DeepLabCut file name of 90 characters, no video)
is opened as File > Open does, then every dock of the Plugins > BehaVERT menu
is opened by triggering its menu action. Before the layout work one dock was
858 px wide and six docks grew the window to 1600x2296 px.

The X screen of pytest-xvfb is 800x600; the laptop screens are played by the
window's size (Qt lets a window be larger than the screen without a window
manager, so a layout that needs more shows up as a larger window).
"""

from __future__ import annotations

import numpy as np
import pytest
from qtpy.QtCore import Qt

pytestmark = [pytest.mark.gui, pytest.mark.realdata]

SCREENS = [(1366, 768), (1920, 1080)]
ETHOME = "labelled/ethome_resident_intruder"


def ethome_poses(shared_data):
    """The ethome DeepLabCut file (its name is the long one)."""
    (path,) = (shared_data / ETHOME).glob("*DLC*_el_filtered.csv")
    return path


def menu_action(viewer, *titles):
    """The QAction at ``titles`` in the window's menu bar (e.g. Plugins > X)."""
    actions = viewer.window._qt_window.menuBar().actions()
    for title in titles:
        action = next(a for a in actions if a.text().replace("&", "") == title)
        actions = action.menu().actions() if action.menu() is not None else []
    return action


def open_every_dock(viewer, qtbot) -> list[str]:
    """Trigger every entry of Plugins > BehaVERT; return their titles."""
    submenu = menu_action(viewer, "Plugins", "BehaVERT").menu()
    titles = [a.text() for a in submenu.actions() if a.text()]
    for title in titles:
        menu_action(viewer, "Plugins", "BehaVERT", title).trigger()
        qtbot.wait(20)
    qtbot.wait(200)
    return titles


def open_on_screen(make_napari_viewer, qtbot, shared_data, size):
    """A viewer window of ``size`` showing the ethome poses (File > Open)."""
    viewer = make_napari_viewer(show=True)
    window = viewer.window._qt_window
    window.resize(*size)
    qtbot.wait(50)
    viewer.open(ethome_poses(shared_data), plugin="napari-behavert")
    return viewer


def canvas_share(viewer) -> float:
    """Width of the canvas over the width of the window."""
    canvas = viewer.window._qt_viewer.canvas.native
    return canvas.width() / viewer.window._qt_window.width()


def dock_tab(viewer, prefix: str):
    """``(tab bar, index)`` of the tabbed dock whose title starts with ``prefix``."""
    from qtpy.QtWidgets import QTabBar

    for bar in viewer.window._qt_window.findChildren(QTabBar):
        for index in range(bar.count()):
            if bar.tabText(index).startswith(prefix) and bar.isVisible():
                return bar, index
    raise AssertionError(f"no dock tab {prefix!r}")


def click_tab(qtbot, bar, index: int) -> None:
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    qtbot.wait(50)


def workflow_of(viewer, qtbot):
    """The Workflow dock's widget, its dock tab clicked to the front."""
    from behavert.napari.widgets.workflow import WorkflowWidget

    click_tab(qtbot, *dock_tab(viewer, "Workflow"))
    (widget,) = [
        w for w in viewer.window.dock_widgets.values() if isinstance(w, WorkflowWidget)
    ]
    return widget


def dock_areas(viewer) -> dict[str, str]:
    """Title -> area ("right", "bottom", ...) of each BehaVERT dock."""
    from qtpy.QtWidgets import QDockWidget

    window = viewer.window._qt_window
    areas = {}
    for dock in window.findChildren(QDockWidget):
        title, _, plugin = dock.windowTitle().rpartition(" (")
        if plugin in ("BehaVERT)", "napari-behavert)"):
            area = window.dockWidgetArea(dock).name
            areas[title] = area.removesuffix("DockWidgetArea").lower()
    return areas


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_dock_leaves_half_the_window_to_the_video(
    make_napari_viewer, qtbot, shared_data, size
):
    viewer = open_on_screen(make_napari_viewer, qtbot, shared_data, size)
    titles = open_every_dock(viewer, qtbot)
    assert len(titles) == 9 and titles[0] == "Workflow"
    window = viewer.window._qt_window
    assert window.width() <= size[0] and window.height() <= size[1], (
        f"window grew to {window.width()}x{window.height()} on a {size} screen"
    )
    assert window.minimumSizeHint().width() <= size[0]
    assert window.minimumSizeHint().height() <= size[1]
    assert canvas_share(viewer) >= 0.5, canvas_share(viewer)
    # the views sit under the canvas, the panels are tabbed on the right
    areas = dock_areas(viewer)
    assert sorted(areas) == sorted(titles)
    views = {"Timeline", "Embedding map"}
    assert {t: a for t, a in areas.items() if t in views} == dict.fromkeys(
        views, "bottom"
    )
    assert {a for t, a in areas.items() if t not in views} == {"right"}
    bar, _ = dock_tab(viewer, "Workflow")
    assert bar.count() == len(titles) - len(views)


def test_long_layer_names_are_elided_with_the_full_name_in_a_tooltip(
    make_napari_viewer, qtbot, shared_data
):
    from qtpy.QtWidgets import QComboBox, QListWidget

    from behavert.napari.widgets.layout import SIDE_WIDTH

    viewer = open_on_screen(make_napari_viewer, qtbot, shared_data, SCREENS[0])
    open_every_dock(viewer, qtbot)
    full = viewer.layers[0].name
    assert len(full) > 90 and full.endswith(" keypoints")
    workflow = workflow_of(viewer, qtbot)
    steps = workflow.steps
    titles = [steps.tabText(i) for i in range(steps.count())]
    assert titles == ["Import", "Annotate", "Train", "Classify", "Analyze"]
    click_tab(qtbot, steps.tabBar(), titles.index("Classify"))
    combo = workflow.classify.native.findChild(QComboBox, "pose_layer")
    assert combo.isVisible() and combo.currentText() == full
    combo.repaint()
    shown = combo.property("shown_text")
    assert shown is not None and "…" in shown and len(shown) < len(full) / 2
    assert full.startswith(shown.split("…")[0]) and full.endswith(shown.split("…")[1])
    assert shown.endswith("keypoints")  # the layer's role stays readable
    assert combo.toolTip().splitlines()[0] == full
    assert combo.itemData(0, Qt.ItemDataRole.ToolTipRole) == full
    assert combo.width() < SIDE_WIDTH
    # the multi-choice list of the Analyze step: elided, not scrolled sideways
    click_tab(qtbot, steps.tabBar(), 4)
    names = workflow.analyze.native.findChild(QListWidget)
    assert names.isVisible() and names.item(0).text() == full
    assert names.item(0).toolTip() == full
    assert names.horizontalScrollBar().maximum() == 0


def test_camera_fits_the_animals_when_poses_open_without_video(
    make_napari_viewer, qtbot, shared_data
):
    viewer = open_on_screen(make_napari_viewer, qtbot, shared_data, SCREENS[0])
    open_every_dock(viewer, qtbot)
    points = viewer.layers[0]
    yx = np.asarray(points.data)[:, 1:]
    low, high = np.quantile(yx, [0.01, 0.99], axis=0)  # where the mice are
    height, width = viewer.canvas.size
    camera = viewer.scene.camera
    half = np.array([height, width]) / 2 / camera.zoom
    center = np.asarray(camera.center[-2:])
    view_low, view_high = center - half, center + half
    assert (view_low <= low).all() and (high <= view_high).all(), (
        f"the mice ({low}..{high}) are not all in view ({view_low}..{view_high})"
    )
    # and they fill the view in one direction (not a speck at the edge)
    assert ((high - low) / (view_high - view_low)).max() > 0.6
    frame = int(viewer.dims.current_step[0])
    now = yx[np.asarray(points.data)[:, 0] == frame]
    assert len(now) > 0
    assert ((now >= view_low) & (now <= view_high)).all()


def test_every_workflow_step_fits_without_scrolling_sideways(
    make_napari_viewer, qtbot, shared_data
):
    """Each step of the Workflow dock, clicked to, shows its whole width."""
    from qtpy.QtWidgets import QScrollArea, QTabWidget

    viewer = open_on_screen(make_napari_viewer, qtbot, shared_data, SCREENS[0])
    open_every_dock(viewer, qtbot)
    workflow = workflow_of(viewer, qtbot)
    steps = workflow.steps
    seen = []
    for index in range(steps.count()):
        click_tab(qtbot, steps.tabBar(), index)
        page = steps.currentWidget()
        inner = page if isinstance(page, QTabWidget) else None
        for sub in range(inner.count()) if inner is not None else [None]:
            if inner is not None:
                click_tab(qtbot, inner.tabBar(), sub)
            shown = inner.currentWidget() if inner is not None else page
            scroll = shown.findChild(QScrollArea, "panel_scroll")
            assert scroll.isVisible()
            bar = scroll.horizontalScrollBar()
            seen.append(steps.tabText(index))
            assert bar.maximum() == 0, (
                f"{steps.tabText(index)} scrolls {bar.maximum()} px sideways"
            )
    assert seen == ["Import", "Annotate", "Train", "Train", "Classify", "Analyze"]
