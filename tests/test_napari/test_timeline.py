"""Tests for behavert.napari.widgets.timeline (the timeline dock)."""

from __future__ import annotations

import numpy as np
import pytest

from behavert.colors import MOTIF_PALETTE
from behavert.datasets.synthetic import generate_synthetic
from behavert.napari.convert.behaviour import behaviour_to_layer
from behavert.napari.convert.layers import poses_to_layers
from behavert.napari.convert.overlays import attention_to_layer, motifs_to_layer

pytestmark = pytest.mark.gui

N_FRAMES = 120


@pytest.fixture(scope="module")
def rec():
    """A small synthetic recording with its video (120 frames)."""
    return generate_synthetic(N_FRAMES, seed=5, render_video=True, image_size=128)


@pytest.fixture
def viewer_timeline(make_napari_viewer_proxy, rec, qtbot):
    from behavert.napari.widgets.timeline import TimelineWidget

    viewer = make_napari_viewer_proxy()
    for data, kwargs, kind in poses_to_layers(rec.poses, rec.video, name="rec"):
        if kind == "points":  # ground truth, as the synthetic sample carries it
            kwargs["metadata"].update(labels=rec.labels, behaviours=rec.behaviours)
        getattr(viewer, f"add_{kind}")(data, **kwargs)
    widget = TimelineWidget(viewer)
    qtbot.addWidget(widget)
    widget.resize(600, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return viewer, widget


def _pixel(widget, x: int, y: int) -> tuple[int, int, int]:
    """The canvas colour at (x, y)."""
    image = widget.canvas.grab().toImage()
    color = image.pixelColor(x, y)
    return color.red(), color.green(), color.blue()


def _near(a, b) -> bool:
    """Equal colours up to 8 levels (Xvfb may run at 16-bit depth: 5-6-5 bits)."""
    return max(abs(int(p) - int(q)) for p, q in zip(a, b, strict=True)) <= 8


def test_tracks_from_overlay_layers(viewer_timeline, rec):
    viewer, widget = viewer_timeline
    attention = np.zeros(N_FRAMES)
    attention[60:] = 1.0
    motif = (np.arange(N_FRAMES) >= 60).astype(int)
    names = np.array(rec.behaviours, dtype=object)[rec.labels]
    for data, kwargs, kind in [
        attention_to_layer(rec.poses, attention, name="attention"),
        motifs_to_layer(rec.poses, motif, ["calm", "busy"], name="motifs"),
        behaviour_to_layer(rec.poses, names, name="behaviour"),
    ]:
        getattr(viewer, f"add_{kind}")(data, **kwargs)
    # refreshed on insertion; the sample's ground truth is a track too
    assert widget.track_names == [
        "rec keypoints: labels",
        "attention",
        "motifs",
        "behaviour",
    ]
    widget.canvas.repaint()
    motifs = widget._tracks[2]
    assert motifs.categories == ("busy", "calm")
    # the motif band's colours are the overlay's: motif 0 and motif 1
    y = next(t for t in _row_tops(widget) if t[0] == "motifs")[1] + 8
    x_early, x_late = widget.x_of(10), widget.x_of(110)
    assert _near(_pixel(widget, int(x_early), y), _hex(MOTIF_PALETTE[0]))
    assert _near(_pixel(widget, int(x_late), y), _hex(MOTIF_PALETTE[1]))
    # the attention curve is empty before frame 60 and full after
    top = next(t for t in _row_tops(widget) if t[0] == "attention")[1]
    assert _near(_pixel(widget, int(x_early), top + 2), (38, 41, 48))
    assert _near(_pixel(widget, int(x_late), top + 2), (255, 170, 60))


def _hex(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))


def _row_tops(widget):
    from behavert.napari.widgets.timeline import HIGHLIGHT_HEIGHT, ROW_HEIGHT

    y, rows = HIGHLIGHT_HEIGHT, []
    for track in widget._tracks:
        rows.append((track.name, y))
        y += ROW_HEIGHT[track.kind] + 2
    return rows


def test_slider_moves_cursor_without_redrawing(viewer_timeline, qtbot):
    viewer, widget = viewer_timeline
    widget.set_tracks({"steps": np.arange(N_FRAMES) % 30 < 15})
    widget.canvas.repaint()
    renders = widget.n_renders
    for frame in (10, 50, 90):
        viewer.dims.set_current_step(0, frame)
        widget.canvas.repaint()
        x = int(widget.x_of(frame))
        assert _near(_pixel(widget, x, 3), (255, 60, 60))  # the cursor
        assert widget._frame_label.text() == f"frame {frame}"
    assert widget.n_renders == renders


def test_click_and_drag_seek_the_video(viewer_timeline, qtbot):
    from qtpy.QtCore import QPoint, Qt

    viewer, widget = viewer_timeline
    x = int(widget.x_of(77))
    qtbot.mouseClick(widget.canvas, Qt.MouseButton.LeftButton, pos=QPoint(x, 10))
    assert viewer.dims.current_step[0] == 77
    assert widget.frame_at(5) is None  # in the names column: no seek
    widget.set_view((40, 60))
    assert widget.view == (40, 60)
    assert widget.frame_at(widget.x_of(45)) == 45
    widget.zoom(2.0, around=50)
    assert widget.view == (30, 70)
    widget.set_view(None)
    assert widget.view == (0, N_FRAMES)


def test_set_tracks_validation_and_highlight(viewer_timeline):
    _, widget = viewer_timeline
    with pytest.raises(ValueError, match="one value per frame"):
        widget.set_tracks({"bad": np.zeros(5)}, frames=np.arange(6))
    widget.set_tracks(
        {"curve": np.linspace(0, 1, N_FRAMES), "band": np.r_[[-1] * 60, [3] * 60]},
        colors={"band": {"3": "#00ff00"}},
    )
    kinds = {t.name: t.kind for t in widget._tracks}
    assert kinds == {"rec keypoints: labels": "band", "curve": "curve", "band": "band"}
    widget.set_highlight([100, 101, 102])
    widget.canvas.repaint()
    x = int(widget.x_of(101))
    assert _near(_pixel(widget, x, 2), (255, 255, 255))
    band_y = next(t for t in _row_tops(widget) if t[0] == "band")[1] + 8
    assert _near(_pixel(widget, x, band_y), (0, 255, 0))
    assert _near(_pixel(widget, int(widget.x_of(20)), band_y), (38, 41, 48))  # none


def test_docks_open_from_the_plugin_menu(make_napari_viewer):
    from behavert.napari.widgets.embedding import EmbeddingWidget
    from behavert.napari.widgets.timeline import TimelineWidget

    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((10, 4, 4), np.uint8))
    docks = {}
    for name, cls in [("Timeline", TimelineWidget), ("Embedding map", EmbeddingWidget)]:
        _, docks[name] = viewer.window.add_plugin_dock_widget("napari-behavert", name)
        assert isinstance(docks[name], cls)
    viewer.dims.set_current_step(0, 7)  # the dock listens to this viewer
    assert docks["Timeline"]._frame_label.text() == "frame 7"


def test_in_place_layer_update_refreshes_the_tracks(viewer_timeline, rec, qtbot):
    viewer, widget = viewer_timeline
    widget.set_tracks({"mine": np.ones(N_FRAMES)})
    names = np.array(rec.behaviours, dtype=object)[rec.labels]
    data, kwargs, kind = behaviour_to_layer(rec.poses, names, name="behaviour")
    layer = viewer.add_points(data, **kwargs)
    assert widget.track_names == ["rec keypoints: labels", "behaviour", "mine"]
    # a re-run (the workflow widgets' set_layer): data first, then metadata
    data, kwargs, _ = behaviour_to_layer(
        rec.poses, np.full(N_FRAMES, "rearing", dtype=object), name="behaviour"
    )
    layer.data = data
    layer.metadata = kwargs["metadata"]
    qtbot.waitUntil(lambda: widget._tracks[1].categories == ("rearing",))
    renders = widget.n_renders
    layer.data = data  # same metadata: nothing to redraw
    qtbot.wait(50)
    widget.canvas.repaint()
    assert widget.n_renders == renders


#: Two recordings whose names agree on their first 30 characters (real DLC names).
LONG = (
    "e3v813a-20210610T122332-122642DLC_dlcrnetms5_pilot_studySep24shuffle1_100000",
    "e3v813a-20210610T122332-130915DLC_dlcrnetms5_pilot_studySep24shuffle1_100000",
)


def _tooltip(widget, qtbot, y: int) -> str:
    """Hover the names column at height y: the tooltip Qt shows."""
    from qtpy.QtCore import QEvent, QPoint
    from qtpy.QtGui import QHelpEvent
    from qtpy.QtWidgets import QApplication, QToolTip

    QToolTip.hideText()
    qtbot.waitUntil(lambda: not QToolTip.isVisible())
    pos = QPoint(10, y)
    event = QHelpEvent(QEvent.Type.ToolTip, pos, widget.canvas.mapToGlobal(pos))
    QApplication.sendEvent(widget.canvas, event)
    return QToolTip.text() if QToolTip.isVisible() else ""


def test_rows_have_short_distinct_labels_and_the_recording_in_a_tooltip(
    make_napari_viewer_proxy, rec, qtbot, tmp_path
):
    import dataclasses

    from qtpy.QtGui import QFontMetrics

    from behavert.napari.widgets.timeline import LABEL_WIDTH, TimelineWidget

    viewer = make_napari_viewer_proxy()
    widget = TimelineWidget(viewer)
    qtbot.addWidget(widget)
    widget.resize(700, 400)
    widget.show()
    qtbot.waitExposed(widget)
    attention = np.linspace(0, 1, N_FRAMES)
    motif = (np.arange(N_FRAMES) >= 60).astype(int)
    behaviour = np.where(np.arange(N_FRAMES) % 40 < 10, "interact", "other")
    for base in LONG:
        poses = dataclasses.replace(rec.poses, path=tmp_path / f"{base}.csv")
        for data, kwargs, kind in [
            attention_to_layer(poses, attention, name=f"{base} attention"),
            motifs_to_layer(poses, motif, name=f"{base} motifs"),
            behaviour_to_layer(
                poses,
                behaviour,
                classes=("other", "interact"),
                name=f"{base} behaviour",
            ),
        ]:
            getattr(viewer, f"add_{kind}")(data, **kwargs)
    labels = widget.row_labels
    assert labels == [
        "attention [1]", "motifs [1]", "behaviour: interact [1]",
        "attention [2]", "motifs [2]", "behaviour: interact [2]",
    ]  # fmt: skip
    # the labels fit the names column whole (nothing is cut)
    metrics = QFontMetrics(widget.canvas.font())
    assert max(metrics.horizontalAdvance(t) for t in labels) <= LABEL_WIDTH - 8
    # hovering a row names its layer and the recording's file
    widget.canvas.repaint()
    tops = [top for _, top in _row_tops(widget)]
    for row, base, what in [(0, LONG[0], "attention"), (5, LONG[1], "behaviour")]:
        text = _tooltip(widget, qtbot, tops[row] + 5)
        assert text.splitlines() == [
            labels[row],
            f"{base} {what}",
            f"recording: {tmp_path / base}.csv",
        ]
    assert _tooltip(widget, qtbot, tops[-1] + 60) == ""  # below the rows: none
    # one recording: the labels need no number
    for layer in [x for x in viewer.layers if x.name.startswith(LONG[1])]:
        viewer.layers.remove(layer)
    assert widget.row_labels == ["attention", "motifs", "behaviour: interact"]


@pytest.mark.parametrize("width", [260, 600, 1400])
def test_axis_labels_are_round_frames_that_never_overlap(viewer_timeline, qtbot, width):
    """The frame numbers under the tracks: round numbers inside the plot, none
    touching another, at any dock width (they used to overlap at the end)."""
    from behavert.napari.widgets.timeline import LABEL_WIDTH

    viewer, widget = viewer_timeline
    widget.resize(width, 300)
    qtbot.waitUntil(lambda: widget.canvas.width() > 0)
    widget.canvas.grab()  # draws the canvas as the user sees it
    ticks = widget.tick_labels
    assert ticks, "no frame label on the time axis"
    frames = [int(text) for _, _, text in ticks]
    assert frames == sorted(frames) and frames[0] >= 0 and frames[-1] < N_FRAMES
    if len(frames) > 1:  # round numbers: multiples of a 1-2-5 step
        gap = int(np.diff(frames).min())
        rounds = [m * 10**k for k in range(6) for m in (1, 2, 5)]
        step = max(r for r in rounds if r <= gap)
        assert all(f % step == 0 for f in frames), frames
    for (_, b, _), (c, _, _) in zip(ticks, ticks[1:]):
        assert b < c, f"labels overlap: {ticks}"
    assert ticks[0][0] >= LABEL_WIDTH and ticks[-1][1] <= widget.canvas.width()
    widget.zoom(4.0, around=60)  # zoomed in: finer steps, still apart
    widget.canvas.grab()
    zoomed = [int(t) for _, _, t in widget.tick_labels]
    start, stop = widget.view
    assert all(start <= f < stop for f in zoomed)
    assert all(
        b < c
        for (_, b, _), (c, _, _) in zip(widget.tick_labels, widget.tick_labels[1:])
    )
