"""The Classify dock tells the user how its prediction agrees with their labels.

The docks are opened from the plugin menu (the widgets get napari's viewer
proxy, as in the app), bouts are marked with key presses on the canvas and
Classify is run with its button; the test reads the dock's own text and checks
its numbers against scikit-learn on the behaviour layer the dock drew.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from fixtures.gui import click, type_path

pytestmark = pytest.mark.gui

TIMEOUT_MS = 240_000
N_FRAMES = 200


@pytest.fixture
def docks(make_napari_viewer, frame_model, tokenizer, tmp_path):
    """A shown viewer with the synthetic sample, a frame run, Classify and Annotate."""
    from napari.layers import Layer

    from behavert.napari._sample_data import make_synthetic_sample
    from behavert.train.run import save_run

    save_run(tmp_path / "frames", frame_model, tokenizer)
    viewer = make_napari_viewer(show=True)
    for item in make_synthetic_sample(n_frames=N_FRAMES):
        viewer.add_layer(Layer.create(*item))
    window = viewer.window
    _, classify = window.add_plugin_dock_widget("napari-behavert", "Classify")
    _, annotate = window.add_plugin_dock_widget("napari-behavert", "Annotate behaviour")
    classify._run_folder.value = tmp_path / "frames"
    classify._pose_layer.value = "synthetic keypoints"
    return viewer, classify, annotate


def _classify(classify, qtbot) -> str:
    from qtpy.QtWidgets import QLabel

    click(classify, "run_button")
    job = classify.job
    assert job is not None, classify._status.value
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT_MS)
    assert job.error is None, job.error
    return classify.native.findChild(QLabel, "agreement").text()


def _press(viewer, qtbot, key: str) -> None:
    from qtpy.QtCore import Qt

    qtbot.keyClick(
        viewer.window._qt_viewer.canvas.native, getattr(Qt.Key, f"Key_{key}")
    )


def _macro_f1(truth, predicted) -> float:
    from sklearn.metrics import f1_score

    present = sorted(set(truth) | set(predicted))
    return f1_score(truth, predicted, labels=present, average="macro")


def test_agreement_with_annotations_and_with_a_label_file(
    docks, qtbot, tmp_path, mocker
):
    from qtpy.QtWidgets import QLineEdit

    from behavert.datasets.synthetic import BEHAVIOURS, generate_synthetic
    from behavert.io.labels import FrameLabels, save_frame_labels

    viewer, classify, annotate = docks
    show_error = mocker.patch("behavert.napari._notify.show_error")
    for name in ("rearing", "grooming"):  # typed in "New class", then Add class
        qtbot.keyClicks(annotate.native.findChild(QLineEdit, "class_name"), name)
        click(annotate, "add_class_button")
    assert annotate.classes == ["rearing", "grooming"]
    text = _classify(classify, qtbot)  # classes, but no bout marked yet
    assert "No labels to compare" in text and "Annotate" in text

    # the user marks two bouts with the keys: rearing 20-59, grooming 100-149
    for key, (a, b) in [("1", (20, 59)), ("2", (100, 149))]:
        viewer.dims.set_point(0, a)
        _press(viewer, qtbot, key)
        viewer.dims.set_point(0, b)
        _press(viewer, qtbot, key)
    assert len(annotate.bouts) == 2
    text = _classify(classify, qtbot)
    predicted = viewer.layers["synthetic behaviour"].metadata["behaviour"]
    truth = np.full(N_FRAMES, "idle", dtype=object)  # the model's first other class
    truth[20:60], truth[100:150] = "rearing", "grooming"
    assert "your annotations" in text and f"over {N_FRAMES} labelled frames" in text
    assert f"macro-F1 {_macro_f1(truth, predicted):.2f}" in text
    accuracy = float(np.mean(truth == predicted))
    assert f"accuracy {accuracy:.2f}" in text
    assert re.search(r"rearing \d\.\d\d", text) and re.search(
        r"grooming \d\.\d\d", text
    )

    # a label file of the true behaviours, chosen in "Labels", takes precedence
    rec = generate_synthetic(n_frames=N_FRAMES, render_video=True, seed=0)
    onehot = np.eye(len(BEHAVIOURS), dtype=bool)[rec.labels]
    path = save_frame_labels(FrameLabels(BEHAVIOURS, onehot), tmp_path / "true.csv")
    type_path(qtbot, classify, "labels_file", path)
    assert classify._labels_file.value == path
    text = _classify(classify, qtbot)
    truth = np.asarray(BEHAVIOURS, dtype=object)[rec.labels]
    assert "true.csv" in text
    assert f"macro-F1 {_macro_f1(truth, predicted):.2f}" in text
    show_error.assert_not_called()


def test_label_agreement_counts_only_scored_frames():
    """Unscored frames are skipped; a labelled class the model lacks scores 0."""
    from behavert.inference.predict import FramePrediction
    from behavert.io.labels import FrameLabels
    from behavert.napari.widgets.classify import agreement_text, label_agreement

    values = np.zeros((6, 2), dtype=bool)
    values[0:2, 0] = True  # rear
    values[4:6, 1] = True  # dig: not a model class
    scored = np.array([1, 1, 1, 1, 0, 0], dtype=bool)  # the dig frames unscored
    labels = FrameLabels(("rear", "dig"), values, scored=scored)
    prediction = FramePrediction(
        probabilities=np.full((6, 2), 0.5, dtype=np.float32),
        labels=np.array([1, 1, 0, 1, 1, 1]),
        names=("other", "rear"),
    )
    metrics = label_agreement(labels, prediction)
    assert metrics["n_frames"] == 4
    assert metrics["accuracy"] == pytest.approx(3 / 4)
    assert metrics["f1/rear"] == pytest.approx(0.8)  # 2 / (2 + 0.5 * (1 + 0))
    assert metrics["f1/other"] == pytest.approx(2 / 3)
    assert metrics["f1/dig"] == 0.0
    text = agreement_text(metrics, "labels.csv")
    assert "labels.csv over 4 labelled frames" in text
    assert "rear 0.80" in text and "dig 0.00" in text
