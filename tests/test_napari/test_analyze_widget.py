"""The Analyze dock without an export folder: only the steps its layers need."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.gui

TIMEOUT_MS = 240_000


def test_analyze_draws_layers_from_the_steps(
    make_napari_viewer, seq_model, frame_model, tokenizer, tmp_path, qtbot, mocker,
    screenshot,
):  # fmt: skip
    from napari.layers import Layer
    from qtpy.QtWidgets import QPushButton

    from behavert.napari._sample_data import make_synthetic_sample
    from behavert.napari.widgets.analyze import AnalyzeWidget
    from behavert.train.run import save_run

    show_error = mocker.patch("behavert.napari._notify.show_error")
    whole = mocker.patch("behavert.report.analyze_runs")
    save_run(tmp_path / "seq", seq_model, tokenizer)
    save_run(tmp_path / "frames", frame_model, tokenizer)
    viewer = make_napari_viewer(show=True)
    for item in make_synthetic_sample(n_frames=200):
        viewer.add_layer(Layer.create(*item))
    widget = AnalyzeWidget(viewer)
    widget._run_folder.value = tmp_path / "seq"
    widget._frame_run.value = tmp_path / "frames"
    widget._pose_layers.value = ["synthetic keypoints"]
    widget._n_motifs.value = 3
    widget.native.findChild(QPushButton, "run_button").click()
    job = widget.job
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT_MS)
    assert job.error is None, job.error
    whole.assert_not_called()  # no export: the whole analysis is not run
    show_error.assert_not_called()

    attention = viewer.layers["synthetic attention"]
    assert np.isclose(attention.metadata["attention"].sum(), 1.0)
    assert attention.face_contrast_limits[1] == pytest.approx(
        attention.metadata["attention"].max()
    )
    motifs = viewer.layers["synthetic motifs"].features
    assert motifs["motif"].nunique() <= 3
    behaviour = viewer.layers["synthetic behaviour"].features
    p = behaviour[[f"p_{c}" for c in frame_model.config.frame_labels]].to_numpy()
    np.testing.assert_allclose(behaviour["uncertainty"], 1 - p.max(axis=1), atol=1e-6)
    assert "3 motifs" in widget._status.value and "top cue" in widget._status.value

    for layer in viewer.layers:
        layer.visible = layer.name in ("synthetic video", "synthetic attention")
    top = int(np.argmax(attention.metadata["attention"]))
    viewer.dims.set_current_step(0, top)
    viewer.reset_view()
    image = screenshot(viewer, "analyze_attention.png")
    # the frame of highest importance shows inferno's brightest colour (pale yellow)
    yellow = (image[..., 0] > 220) & (image[..., 1] > 200) & (image[..., 2] < 180)
    assert yellow.sum() > 20


def _near(a, b) -> bool:
    """Equal colours up to 8 levels (Xvfb may run at 16-bit depth: 5-6-5 bits)."""
    return max(abs(int(p) - int(q)) for p, q in zip(a, b, strict=True)) <= 8


def _rgb(color) -> tuple[int, int, int]:
    """0..255 ints of a QColor or of 0..1 floats."""
    if hasattr(color, "red"):
        return color.red(), color.green(), color.blue()
    return tuple(int(round(255 * c)) for c in color[:3])


def _analyze(widget, qtbot, run_folder) -> None:
    """Choose the run and press Analyze; wait for the job."""
    from qtpy.QtWidgets import QPushButton

    widget._run_folder.value = run_folder
    widget.native.findChild(QPushButton, "run_button").click()
    job = widget.job
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT_MS)
    assert job.error is None, job.error


def test_analyze_says_what_attention_means_and_shows_the_motif_legend(
    make_napari_viewer, seq_model, frame_model, tokenizer, tmp_path, qtbot
):
    import pandas as pd
    from matplotlib.colors import to_rgba
    from napari.layers import Layer
    from qtpy.QtWidgets import QLabel

    from behavert.napari._sample_data import make_synthetic_sample
    from behavert.report.figures import ethogram
    from behavert.train.run import save_run

    save_run(tmp_path / "seq", seq_model, tokenizer)
    save_run(tmp_path / "frames", frame_model, tokenizer)
    viewer = make_napari_viewer(show=True)
    for item in make_synthetic_sample(n_frames=200):
        viewer.add_layer(Layer.create(*item))
    _, timeline = viewer.window.add_plugin_dock_widget("napari-behavert", "Timeline")
    dock, widget = viewer.window.add_plugin_dock_widget("napari-behavert", "Analyze")
    widget._pose_layers.value = ["synthetic keypoints"]
    widget._n_motifs.value = 3
    widget._attribution.value = False
    _analyze(widget, qtbot, tmp_path / "seq")

    caption = widget.native.findChild(QLabel, "attention_caption")
    dock.raise_()  # its tab, were the docks tabbed
    qtbot.waitUntil(caption.isVisible)
    assert "sequence classifier's decision" in caption.text()

    layer = viewer.layers["synthetic motifs"]
    motif = layer.metadata["motif"]
    names = [f"motif {k}" for k in range(int(motif.max()) + 1)]
    frames = pd.DataFrame({"motif": motif, "motif_name": layer.metadata["motif_names"]})
    figure = ethogram(frames).axes[0].get_legend()
    in_figure = {
        t.get_text(): _rgb(to_rgba(h.get_facecolor()))
        for t, h in zip(figure.get_texts(), figure.legend_handles, strict=True)
    }
    timeline.canvas.repaint()
    row = timeline.row_labels.index("motifs")
    top = timeline._rows()[row][1]
    timeline_image = timeline.canvas.grab().toImage()
    for k, name in enumerate(names):
        swatch = widget.native.findChild(QLabel, f"motif_swatch_{k}")
        text = widget.native.findChild(QLabel, f"motif_name_{k}").text()
        qtbot.waitUntil(swatch.isVisible)  # shown with the dock (queued by Qt)
        assert text == f"M{k}: {name}"
        shown = _rgb(swatch.grab().toImage().pixelColor(7, 7))
        # the motif layer's points of that motif
        points = np.flatnonzero(layer.features["motif"].to_numpy() == k)
        assert _near(shown, _rgb(layer.face_color[points[0]]))
        # the figures' legend
        assert _near(shown, in_figure[text])
        # the timeline's motif band, in the middle of a bout of that motif
        t = np.flatnonzero(motif == k)
        frame = int(t[len(t) // 2])
        x = int(timeline.x_of(frame))
        assert _near(shown, _rgb(timeline_image.pixelColor(x, top + 8)))
    assert widget.native.findChild(QLabel, f"motif_swatch_{len(names)}") is None

    # the same dock on a frame classifier says something else
    _analyze(widget, qtbot, tmp_path / "frames")
    text = caption.text()
    assert "frame classifier" in text and "not why a frame got its label" in text


def test_exported_frame_map_is_the_embedding_map(
    make_napari_viewer, seq_model, tokenizer, tmp_path, qtbot
):
    """With an export folder: the map's dots are the *_frames.csv pc1 / pc2."""
    import pandas as pd
    from napari.layers import Layer
    from qtpy.QtWidgets import QLabel, QPushButton

    from behavert.napari._sample_data import make_synthetic_sample
    from behavert.train.run import save_run

    save_run(tmp_path / "seq", seq_model, tokenizer)
    viewer = make_napari_viewer(show=True)
    for item in make_synthetic_sample(n_frames=200):
        viewer.add_layer(Layer.create(*item))
    _, widget = viewer.window.add_plugin_dock_widget("napari-behavert", "Analyze")
    widget._pose_layers.value = ["synthetic keypoints"]
    widget._n_motifs.value = 3
    widget._attribution.value = False
    widget._export_folder.value = tmp_path / "out"
    _, embedding = viewer.window.add_plugin_dock_widget(
        "napari-behavert", "Embedding map"
    )
    status = embedding.findChild(QLabel, "status")
    assert status.text().startswith("No map yet: Analyze")
    _analyze(widget, qtbot, tmp_path / "seq")
    embedding.findChild(QPushButton, "refresh_button").click()
    assert status.text() == "0 of 200 frames selected"
    table = pd.read_csv(next((tmp_path / "out").glob("*_frames.csv")))
    np.testing.assert_allclose(embedding._xy, table[["pc1", "pc2"]].to_numpy())
    np.testing.assert_array_equal(embedding._frames, table["frame"])
