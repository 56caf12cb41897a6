"""Tests for behavert.napari.widgets.embedding (the 2-D embedding dock)."""

from __future__ import annotations

import numpy as np
import pytest

from behavert.colors import MOTIF_PALETTE, hex_to_rgb8
from behavert.datasets.synthetic import generate_synthetic
from behavert.napari.convert.layers import poses_to_layers
from behavert.napari.convert.overlays import motifs_to_layer

pytestmark = pytest.mark.gui

N_FRAMES = 120


@pytest.fixture(scope="module")
def rec():
    """A small synthetic recording with its video (120 frames)."""
    return generate_synthetic(N_FRAMES, seed=7, render_video=True, image_size=128)


def _map() -> np.ndarray:
    """A 2-D map whose dots are far apart: frame t at (t, t mod 7)."""
    t = np.arange(N_FRAMES, dtype=float)
    return np.column_stack([t, t % 7])


@pytest.fixture
def docks(make_napari_viewer_proxy, rec, qtbot):
    from behavert.napari.widgets.embedding import EmbeddingWidget
    from behavert.napari.widgets.timeline import TimelineWidget

    viewer = make_napari_viewer_proxy()
    for data, kwargs, kind in poses_to_layers(rec.poses, rec.video, name="rec"):
        getattr(viewer, f"add_{kind}")(data, **kwargs)
    embedding = EmbeddingWidget(viewer)
    timeline = TimelineWidget(viewer)
    for widget, size in [(embedding, (600, 400)), (timeline, (600, 200))]:
        qtbot.addWidget(widget)
        widget.resize(*size)
        widget.show()
        qtbot.waitExposed(widget)
    motif = np.arange(N_FRAMES) // 40
    data, kwargs, kind = motifs_to_layer(rec.poses, motif, embedding=_map())
    viewer.add_points(data, **kwargs)  # the dock picks the map up
    return viewer, embedding, timeline


def _mouse(widget, kind: str, xy, shift: bool = False) -> None:
    """Send a left-button mouse press/move/release at canvas pixel xy."""
    from qtpy.QtCore import QEvent, QPointF, Qt
    from qtpy.QtGui import QMouseEvent
    from qtpy.QtWidgets import QApplication

    types = {
        "press": QEvent.Type.MouseButtonPress,
        "move": QEvent.Type.MouseMove,
        "release": QEvent.Type.MouseButtonRelease,
    }
    left = Qt.MouseButton.LeftButton
    modifiers = (
        Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    )
    point = QPointF(float(xy[0]), float(xy[1]))
    event = QMouseEvent(
        types[kind],
        point,
        widget.mapToGlobal(point),
        Qt.MouseButton.NoButton if kind == "move" else left,
        Qt.MouseButton.NoButton if kind == "release" else left,
        modifiers,
    )
    QApplication.sendEvent(widget, event)


def test_map_from_layer_and_marker_follows_slider(docks):
    viewer, embedding, _ = docks
    assert len(embedding._frames) == N_FRAMES
    renders = embedding.n_renders
    for frame in (5, 64, 100):
        viewer.dims.set_current_step(0, frame)
        point = embedding.current_point()
        want = embedding.to_screen(_map()[frame : frame + 1])[0]
        np.testing.assert_allclose(point, want)
    embedding.canvas.repaint()
    assert embedding.n_renders <= renders + 1  # drawn at most once, not per step
    # dots carry the motif colours (motif 1 = motif palette entry 1)
    image = embedding.canvas.grab().toImage()
    x, y = embedding.to_screen(_map()[50:51])[0]
    color = image.pixelColor(int(x), int(y))
    want = hex_to_rgb8(MOTIF_PALETTE[1])
    got = (color.red(), color.green(), color.blue())
    assert max(abs(a - b) for a, b in zip(got, want, strict=True)) <= 8


def test_click_on_dot_seeks_video(docks):
    viewer, embedding, _ = docks
    x, y = embedding.to_screen(_map()[37:38])[0]
    _mouse(embedding.canvas, "press", (x + 1, y))
    _mouse(embedding.canvas, "release", (x + 1, y))
    assert viewer.dims.current_step[0] == 37
    assert embedding.seek_nearest(-100, -100) is None  # far from every dot


def test_lasso_selects_frames_and_highlights_them(docks, qtbot, tmp_path):
    from qtpy.QtWidgets import QPushButton

    viewer, embedding, timeline = docks
    screen = embedding.to_screen(_map())
    lo = screen[10:20].min(0) - 1
    hi = screen[10:20].max(0) + 1
    corners = [(lo[0], lo[1]), (hi[0], lo[1]), (hi[0], hi[1]), (lo[0], hi[1])]
    with qtbot.waitSignal(embedding.selection_changed) as signal:
        _mouse(embedding.canvas, "press", corners[0])
        for corner in [*corners[1:], corners[0]]:
            _mouse(embedding.canvas, "move", corner)
        _mouse(embedding.canvas, "release", corners[0])
    np.testing.assert_array_equal(signal.args[0], np.arange(10, 20))
    np.testing.assert_array_equal(embedding.selected_frames, np.arange(10, 20))
    # the video: one ring per tracked animal, only on the selected frames
    layer = viewer.layers["selected frames"]
    assert set(layer.data[:, 0]) == set(range(10, 20))
    assert len(layer.data) == 20
    centre = np.nanmean(viewer.layers["rec keypoints"].metadata["poses"].position, 2)
    row = np.flatnonzero(layer.data[:, 0] == 12)[0]
    assert np.allclose(layer.data[row, 1:], centre[12, 0, ::-1]) or np.allclose(
        layer.data[row, 1:], centre[12, 1, ::-1]
    )
    # the timeline's highlight row
    np.testing.assert_array_equal(timeline._highlight, np.arange(10, 20))
    # shift adds a second region; Next selected walks through them
    embedding.select_frames([100], add=True)
    assert list(embedding.selected_frames) == [*range(10, 20), 100]
    embedding.canvas.grab().save(str(tmp_path / "embedding.png"))
    viewer.dims.set_current_step(0, 50)
    embedding.findChild(QPushButton, "next_button").click()
    assert viewer.dims.current_step[0] == 100
    embedding.findChild(QPushButton, "next_button").click()
    assert viewer.dims.current_step[0] == 10
    embedding.findChild(QPushButton, "clear_button").click()
    assert len(embedding.selected_frames) == 0
    assert len(viewer.layers["selected frames"].data) == 0


def test_set_embedding_validation(docks):
    _, embedding, _ = docks
    with pytest.raises(ValueError, match=r"\(time, 2\)"):
        embedding.set_embedding(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="frames has shape"):
        embedding.set_embedding(np.zeros((5, 2)), frames=np.arange(4))
    xy = np.column_stack([np.arange(6.0), np.arange(6.0)])
    xy[2] = np.nan
    embedding.set_embedding(xy, labels=np.array(["a", "b", "", "a", "b", "a"]))
    assert embedding.selected_frames.size == 0
    embedding.select_polygon(np.array([[0, 0], [1000, 0], [1000, 1000], [0, 1000]]))
    assert list(embedding.selected_frames) == [0, 1, 3, 4, 5]  # NaN dot is unmapped


def test_in_place_update_of_the_motif_layer_refreshes_the_map(docks, rec, qtbot):
    viewer, embedding, _ = docks
    layer = viewer.layers["motifs"]
    data, kwargs, _ = motifs_to_layer(
        rec.poses, np.zeros(N_FRAMES, int), embedding=_map()[:, ::-1]
    )
    layer.data = data  # as the workflow widgets' set_layer: data, then metadata
    layer.metadata = kwargs["metadata"]
    assert embedding._xy[10, 1] == 3  # frame 10 at (10, 10 mod 7)
    qtbot.waitUntil(lambda: embedding._xy[10, 1] == 10)


ETHOME = "labelled/ethome_resident_intruder/*DLC*_el_filtered.csv"


def _tiny_frame_run(poses, folder) -> None:
    """Save an untrained tiny frame classifier (other / interact) for ``poses``."""
    import torch

    from behavert.data.tokenizer import PoseTokenizer
    from behavert.model import BehavertConfig, BehavertForFrameClassification
    from behavert.train.run import save_run

    tokenizer = PoseTokenizer().fit([poses])
    config = BehavertConfig.from_preset(
        "tiny",
        feature_size=tokenizer.feature_size,
        window=64,
        stride=32,
        frame_labels=["other", "interact"],
    )
    torch.manual_seed(0)
    save_run(folder, BehavertForFrameClassification(config).eval(), tokenizer)


def _white(image: np.ndarray) -> int:
    """Number of (near) white pixels of an RGBA screenshot."""
    return int((image[..., :3] > 235).all(-1).sum())


def test_map_after_analyze_of_the_ethome_file_links_selection_to_timeline_and_video(
    make_napari_viewer, shared_data, tmp_path, qtbot, screenshot
):
    """Open the real file, Analyze, Refresh the map, lasso dots: frames light up."""
    from qtpy.QtWidgets import QLabel, QPushButton

    path = next(shared_data.glob(ETHOME))
    viewer = make_napari_viewer(show=True)
    viewer.open(str(path), plugin="napari-behavert")
    keypoints = f"{path.stem} keypoints"
    poses = viewer.layers[keypoints].metadata["poses"]
    _tiny_frame_run(poses, tmp_path / "run")
    window = viewer.window
    analyze_dock, analyze = window.add_plugin_dock_widget("napari-behavert", "Analyze")
    analyze._run_folder.value = tmp_path / "run"
    analyze._frame_run.value = tmp_path / "run"
    analyze._pose_layers.value = [keypoints]
    analyze._n_motifs.value = 4
    analyze._attribution.value = False
    analyze.native.findChild(QPushButton, "run_button").click()
    job = analyze.job
    qtbot.waitUntil(lambda: job.done, timeout=240_000)
    assert job.error is None, job.error

    map_dock, embedding = window.add_plugin_dock_widget(
        "napari-behavert", "Embedding map"
    )
    timeline_dock, timeline = window.add_plugin_dock_widget(
        "napari-behavert", "Timeline"
    )
    # the user undocks the two views and makes them large (whatever the layout)
    for dock, size in [(map_dock, (500, 450)), (timeline_dock, (1000, 220))]:
        dock.setFloating(True)
        dock.resize(*size)
    qtbot.waitUntil(lambda: timeline.canvas.width() > 800)
    embedding.findChild(QPushButton, "refresh_button").click()
    status = embedding.findChild(QLabel, "status")
    assert status.text() == f"0 of {poses.n_frames} frames selected"  # one per frame
    assert poses.n_frames == 5700

    # lasso the dots of the left third of the map (the map's own selection)
    map_dock.raise_()
    qtbot.waitUntil(embedding.canvas.isVisible)
    w, h = embedding.canvas.width(), embedding.canvas.height()
    corners = [(1, 1), (w / 3, 1), (w / 3, h - 1), (1, h - 1)]
    _mouse(embedding.canvas, "press", corners[0])
    for corner in [*corners[1:], corners[0]]:
        _mouse(embedding.canvas, "move", corner)
    _mouse(embedding.canvas, "release", corners[0])
    selected = embedding.selected_frames
    assert 0 < len(selected) < poses.n_frames
    assert status.text() == f"{len(selected)} of 5700 frames selected"

    # the timeline: its highlight row is white over the selected frames only
    timeline_dock.raise_()
    qtbot.waitUntil(timeline.canvas.isVisible)
    timeline.canvas.repaint()
    image = timeline.canvas.grab().toImage()
    chosen = np.zeros(poses.n_frames + 1, bool)
    chosen[selected] = True
    checked = 0
    for x in range(int(timeline.x_of(0)) + 1, timeline.canvas.width() - 2):
        lo, hi = timeline.frame_at(x - 1), timeline.frame_at(x + 2)
        white = _near_white(image.pixelColor(x, 2))
        if chosen[lo : hi + 1].all():
            assert white, x
            checked += 1
        elif not chosen[lo : hi + 1].any():
            assert not white, x
            checked += 1
    assert checked > 20
    assert timeline.tooltip_at(200, 2).startswith(f"{len(selected)} frames selected")

    # the video: the animals of a selected frame are ringed, others are not
    ring = viewer.layers["selected frames"]
    assert set(ring.data[:, 0].astype(int)) <= set(selected.tolist())
    for layer in viewer.layers:
        layer.visible = layer.name in (keypoints, "selected frames")
    unselected = int(np.flatnonzero(~chosen[:-1])[0])
    viewer.dims.set_current_step(0, unselected)
    viewer.reset_view()
    assert _white(screenshot(viewer, "ethome_not_selected.png")) < 20
    frame = int(ring.data[len(ring.data) // 2, 0])
    viewer.dims.set_current_step(0, frame)
    assert _white(screenshot(viewer, "ethome_selected_frame.png")) > 50
    # the frame classifier's attention is explained where the user looks
    caption = analyze.native.findChild(QLabel, "attention_caption").text()
    assert "frame classifier" in caption and "Nearly flat" in caption
    embedding.canvas.grab().save(str(tmp_path / "ethome_map.png"))
    timeline.canvas.grab().save(str(tmp_path / "ethome_timeline.png"))
    analyze.native.grab().save(str(tmp_path / "ethome_analyze.png"))


def _near_white(color) -> bool:
    return min(color.red(), color.green(), color.blue()) > 235
