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
