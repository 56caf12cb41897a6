"""The Train and Pretrain docks tell the user whether training worked.

Run is clicked as a user would; the test then reads the dock's own labels
(validation macro-F1, per-class F1), the curve it painted, the status line and
the files kept with the run (``meta.json`` metrics, ``history.csv``).
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from fixtures.gui import click

pytestmark = pytest.mark.gui

TIMEOUT_MS = 240_000
N_FRAMES = 256
LAYER = "synthetic keypoints"


@pytest.fixture
def viewer(make_napari_viewer):
    from napari.layers import Layer

    from behavert.napari._sample_data import make_synthetic_sample

    viewer = make_napari_viewer(show=True)
    for item in make_synthetic_sample(n_frames=N_FRAMES):
        viewer.add_layer(Layer.create(*item))
    return viewer


def _wait(widget, qtbot):
    job = widget.job
    assert job is not None, widget._status.value
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT_MS)
    return job


def _label_text(widget, name: str) -> str:
    from qtpy.QtWidgets import QLabel

    label = widget.native.findChild(QLabel, name)
    assert label is not None, name
    return label.text()


def _colour_pixels(pixmap, rgb, tol: int = 40) -> int:
    """Pixels of ``pixmap`` within ``tol`` of ``rgb`` (each channel)."""
    image = pixmap.toImage()
    w, h = image.width(), image.height()
    found = 0
    for y in range(h):
        for x in range(w):
            c = image.pixelColor(x, y)
            if all(
                abs(a - b) <= tol for a, b in zip((c.red(), c.green(), c.blue()), rgb)
            ):
                found += 1
    return found


def _labels_csv(path) -> None:
    """Per-frame 0/1 labels of the synthetic recording, a behaviour in each part."""
    frames = np.arange(N_FRAMES)
    rearing = ((frames % 60) < 20).astype(int)
    grooming = (((frames + 30) % 60) < 15).astype(int) * (1 - rearing)
    table = pd.DataFrame({"frame": frames, "rearing": rearing, "grooming": grooming})
    table.to_csv(path, index=False)


def test_train_dock_shows_validation_scores_and_a_curve(
    viewer, qtbot, tmp_path, mocker
):
    from behavert.napari.widgets.train import TrainClassifierWidget
    from behavert.napari.widgets.training_feedback import LOSS_COLOR, VAL_COLOR

    show_error = mocker.patch("behavert.napari._notify.show_error")
    labels = tmp_path / "synthetic_labels.csv"
    _labels_csv(labels)
    widget = TrainClassifierWidget(viewer)
    viewer.window.add_dock_widget(widget, name="Train classifier", area="right")
    widget._pose_layers.value = [LAYER]
    widget._labels_file.value = labels
    widget._steps.value = 4
    widget._batch_size.value = 2
    widget._window.value = 64
    assert widget._val_share.value == pytest.approx(0.2)  # validates by default
    out = tmp_path / "classifier"
    widget._output.value = out
    assert _label_text(widget, "val_macro_f1") == ""
    click(widget, "run_button", qtbot)
    job = _wait(widget, qtbot)
    assert job.error is None, job.error
    show_error.assert_not_called()

    meta = json.loads((out / "model" / "meta.json").read_text())
    macro = meta["metrics"]["macro_f1"]
    shown = _label_text(widget, "val_macro_f1")
    assert shown.startswith("Validation macro-F1: ") and f"{macro:.3f}" in shown
    per_class = _label_text(widget, "val_per_class_f1")
    for name in ("other", "rearing", "grooming"):
        value = meta["metrics"][f"f1/{name}"]
        assert f"{name} {value:.2f}" in per_class, per_class
    assert f"validation macro-F1 {macro:.3f}" in widget._status.value

    # four steps, an evaluation after each (ten a run, at least one a step)
    feedback = widget.feedback
    assert [s for s, _ in feedback.loss_points] == [1, 2, 3, 4]
    assert [s for s, _ in feedback.val_points] == [1, 2, 3, 4]
    pixmap = feedback.pixmap
    assert pixmap is not None and not pixmap.isNull()
    rgb = lambda c: (c.red(), c.green(), c.blue())  # noqa: E731
    assert _colour_pixels(pixmap, rgb(LOSS_COLOR)) > 20  # the loss line
    assert _colour_pixels(pixmap, rgb(VAL_COLOR)) > 20  # validation dots and line

    history = pd.read_csv(out / "model" / "history.csv")
    assert history["step"].tolist() == [1, 2, 3, 4]
    assert np.isclose(history["val/macro_f1"].iloc[-1], macro)
    assert history["loss"].notna().all()
    image = viewer.screenshot(canvas_only=False, flash=False)
    from imageio.v3 import imwrite

    imwrite(tmp_path / "train_dock.png", image)


def test_a_run_folder_problem_found_in_the_worker_shows_in_the_status(
    viewer, qtbot, tmp_path, mocker
):
    """A checkpoint of other settings: the reason in the status, not "failed"."""
    from behavert.errors import RunFolderError
    from behavert.napari.widgets.pretrain import PretrainWidget

    show_error = mocker.patch("behavert.napari._notify.show_error")
    widget = PretrainWidget(viewer)
    widget._pose_layers.value = [LAYER]
    widget._steps.value = 2
    widget._batch_size.value = 2
    widget._window.value = 64
    out = tmp_path / "pre"
    widget._output.value = out
    click(widget, "run_button", qtbot)
    assert _wait(widget, qtbot).error is None
    # the curve followed the loss, and its history is kept with the run
    assert [s for s, _ in widget.feedback.loss_points] == [1, 2]
    assert len(pd.read_csv(out / "model" / "history.csv")) == 2

    shutil.rmtree(out / "model")  # the checkpoints of seed 0 stay
    widget._seed.value = 1
    click(widget, "run_button", qtbot)
    job = _wait(widget, qtbot)
    assert isinstance(job.error, RunFolderError)
    status = widget._status.value
    assert status.startswith("Pretrain: failed: "), status
    assert "seed" in status and "checkpoint" in status, status
    assert str(job.error) in show_error.call_args.args[0]
