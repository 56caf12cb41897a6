"""End-to-end GUI tests of the workflow docks on a small synthetic recording.

import (sample) -> annotate -> pretrain -> train -> classify -> analyze, then
cancelling a long pretraining while the viewer keeps working. Models use the
tiny preset and two optimisation steps: the tests check the plumbing (workers,
layers, features, files), not accuracy.
"""

from __future__ import annotations

import numpy as np
import pytest
from fixtures.gui import click

pytestmark = pytest.mark.gui

TIMEOUT_MS = 240_000
N_FRAMES = 256


@pytest.fixture
def viewer(make_napari_viewer):
    from napari.layers import Layer

    from behavert.napari._sample_data import make_synthetic_sample

    viewer = make_napari_viewer(show=True)
    for item in make_synthetic_sample(n_frames=N_FRAMES):
        viewer.add_layer(Layer.create(*item))
    return viewer


def _run(widget, qtbot):
    click(widget, "run_button")
    job = widget.job
    assert job is not None, widget._status.value
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT_MS)
    assert job.error is None, job.error
    return job


def _tiny(widget) -> None:
    widget._steps.value = 2
    widget._batch_size.value = 2
    widget._window.value = 64


def _annotate(viewer, qtbot):
    from behavert.napari.widgets.annotate import AnnotateWidget

    widget = AnnotateWidget(viewer)
    widget.add_class("rearing")
    widget.add_class("grooming")
    for k, (a, b) in enumerate([(10, 40), (90, 130), (150, 170), (200, 240)]):
        viewer.dims.set_point(0, a)
        widget.toggle_bout(k % 2)
        viewer.dims.set_point(0, b)
        widget.toggle_bout(k % 2)
    assert len(widget.bouts) == 4
    return widget


def test_workflow_end_to_end(viewer, qtbot, tmp_path, mocker):
    from behavert.napari.widgets.analyze import AnalyzeWidget
    from behavert.napari.widgets.classify import ClassifyWidget
    from behavert.napari.widgets.pretrain import PretrainWidget
    from behavert.napari.widgets.train import TrainClassifierWidget

    show_error = mocker.patch("behavert.napari._notify.show_error")
    keypoints = "synthetic keypoints"
    annotate = _annotate(viewer, qtbot)
    assert viewer.layers[keypoints].metadata["annotations"].names == (
        "rearing",
        "grooming",
    )

    pretrain = PretrainWidget(viewer)
    assert list(pretrain._pose_layers.choices) == [keypoints]
    pretrain._pose_layers.value = [keypoints]
    # the dock starts at the rat benchmark's size and schedule
    assert (pretrain._steps.value, pretrain._batch_size.value) == (4000, 32)
    assert pretrain._preset.value == "tiny"
    _tiny(pretrain)
    pretrain._output.value = tmp_path / "pretrain"
    assert pretrain._augment.native.currentText().startswith("mirror + swap")
    job = _run(pretrain, qtbot)
    assert (tmp_path / "pretrain" / "model" / "config.json").is_file()
    assert pretrain._progress.max == 2 and pretrain._progress.value == 2
    assert "saved to" in pretrain._status.value and not job.cancelled
    from behavert.train.run import load_run

    pretrained_with = load_run(tmp_path / "pretrain" / "model")[2]["train_config"]
    assert pretrained_with["hide_animal"] == 0.5  # the recipe of the dock
    assert list(pretrained_with["augment"]) == ["swap", "mirror"]

    train = TrainClassifierWidget(viewer)
    train._pose_layers.value = [keypoints]
    train._init_run.value = tmp_path / "pretrain"  # resolves <out>/model
    _tiny(train)
    train._output.value = tmp_path / "classifier"
    combo = train._augment.native  # the user picks "mirror" in the Augment box
    assert combo.currentText() == "none"
    combo.setCurrentIndex(combo.findText("mirror"))
    _run(train, qtbot)
    assert (tmp_path / "classifier" / "model" / "config.json").is_file()
    trained_with = load_run(tmp_path / "classifier" / "model")[2]["train_config"]
    assert (
        list(trained_with["augment"]) == ["mirror"]
        and trained_with["label_smoothing"] == 0.0
    )
    assert train.last_run.model.config.frame_labels == ["other", "rearing", "grooming"]
    # the dock says how well it did: validation scores as trained, in the run
    macro = load_run(tmp_path / "classifier" / "model")[2]["metrics"]["macro_f1"]
    assert f"validation macro-F1 {macro:.3f}" in train._status.value
    assert "rearing" in train.feedback.per_class_text
    assert (tmp_path / "classifier" / "model" / "history.csv").is_file()

    classify = ClassifyWidget(viewer)
    classify._run_folder.value = tmp_path / "classifier"
    classify._pose_layer.value = keypoints
    classify._n_uncertain.value = 5
    classify._min_gap.value = 20
    _run(classify, qtbot)
    behaviour = viewer.layers["synthetic behaviour"]
    features = behaviour.features
    for column in ["behaviour", "uncertainty", "p_other", "p_rearing", "p_grooming"]:
        assert column in features, column
    assert set(features["behaviour"]) <= {"other", "rearing", "grooming"}
    p = features[["p_other", "p_rearing", "p_grooming"]].to_numpy()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(features["uncertainty"], 1 - p.max(axis=1), atol=1e-6)
    rows = classify._uncertain_table.data.to_list()
    assert len(rows) == 5
    frames = [r[0] for r in rows]
    assert all(abs(a - b) >= 20 for i, a in enumerate(frames) for b in frames[:i])
    assert [r[2] for r in rows] == sorted((r[2] for r in rows), reverse=True)
    classify._uncertain_table.native.cellClicked.emit(2, 0)
    assert viewer.dims.point[0] == frames[2]

    # a re-run updates the behaviour layer in place
    n_layers = len(viewer.layers)
    _run(classify, qtbot)
    assert viewer.layers["synthetic behaviour"] is behaviour
    assert len(viewer.layers) == n_layers

    analyze = AnalyzeWidget(viewer)
    analyze._run_folder.value = tmp_path / "pretrain"
    analyze._frame_run.value = tmp_path / "classifier"
    analyze._pose_layers.value = [keypoints]
    analyze._n_motifs.value = 3
    analyze._export_folder.value = tmp_path / "report"
    _run(analyze, qtbot)
    attention = viewer.layers["synthetic attention"]
    assert attention.features["attention"].min() >= 0
    # frame_importance's scale (sums to 1 over the frames), not renormalised
    assert np.isclose(attention.metadata["attention"].sum(), 1.0)
    motifs = viewer.layers["synthetic motifs"].features
    assert motifs["motif"].nunique() <= 3 and (motifs["motif"] >= 0).any()
    assert "uncertainty" in viewer.layers["synthetic behaviour"].features
    written = sorted(p.name for p in (tmp_path / "report").iterdir())
    assert any(name.endswith("_frames.csv") for name in written), written
    assert any(name.endswith(".png") for name in written), written
    show_error.assert_not_called()

    for widget, name in [
        (annotate, "Annotate"),
        (pretrain, "Pretrain"),
        (train, "Train classifier"),
        (classify, "Classify"),
        (analyze, "Analyze"),
    ]:
        dock = viewer.window.add_dock_widget(
            widget, name=name, area="right", tabify=True
        )
        dock.setMaximumWidth(460)
    viewer.window.resize(1500, 900)
    viewer.reset_view()
    viewer.layers.selection.active = viewer.layers["synthetic attention"]
    viewer.dims.set_point(0, 100)
    image = viewer.screenshot(canvas_only=False, flash=False)
    assert image.ndim == 3 and image.shape[1] > 600
    assert image[..., :3].std() > 5  # not a blank window


def test_cancel_a_long_pretraining_keeps_the_viewer_working(
    viewer, qtbot, tmp_path, mocker
):
    from behavert.napari.widgets.pretrain import PretrainWidget

    show_error = mocker.patch("behavert.napari._notify.show_error")
    widget = PretrainWidget(viewer)
    viewer.window.add_dock_widget(widget, name="Pretrain")
    widget._pose_layers.value = ["synthetic keypoints"]
    _tiny(widget)
    widget._steps.value = 100_000
    widget._output.value = tmp_path / "long"
    click(widget, "run_button")
    job = widget.job
    assert not widget._run_button.enabled and widget._cancel_button.enabled
    qtbot.waitUntil(lambda: widget._progress.value >= 1, timeout=TIMEOUT_MS)
    assert widget._progress.max == 100_000

    # the viewer answers while the job runs
    viewer.dims.set_point(0, 50)
    assert viewer.dims.point[0] == 50
    click(widget, "cancel_button")
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT_MS)
    assert job.cancelled and job.result is None and job.error is None
    assert widget._progress.value < 100_000
    assert widget._status.value == "Pretrain: cancelled"
    assert widget._run_button.enabled and not widget._cancel_button.enabled
    assert not (tmp_path / "long" / "model").exists()
    assert widget.last_run is None

    # and keeps working afterwards
    layer = viewer.add_points(np.array([[60.0, 10.0, 10.0]]), name="after cancel")
    viewer.dims.set_point(0, 60)
    assert viewer.dims.point[0] == 60 and "after cancel" in viewer.layers
    assert len(layer.data) == 1
    show_error.assert_not_called()


def test_least_certain_frames_are_spread_and_ordered():
    from behavert.napari.widgets.classify import least_certain_frames

    p = np.full((100, 2), 0.5)
    p[:, 0] = np.linspace(0.5, 1.0, 100)  # frame 0 least certain, then 1, 2...
    p[:, 1] = 1 - p[:, 0]
    p[60] = [0.5, 0.5]  # a second, isolated uncertain frame
    assert least_certain_frames(p, n=3, min_gap=10).tolist() == [0, 60, 10]
    assert least_certain_frames(p, n=200, min_gap=1).size == 100
    assert least_certain_frames(p[:0], n=3).size == 0


def test_annotation_names_join_overlaps():
    from behavert.io.labels import FrameLabels
    from behavert.napari.widgets._common import annotation_names

    values = np.array([[1, 0], [1, 1], [0, 0], [0, 1]], dtype=bool)
    names = annotation_names(FrameLabels(("rear", "groom"), values))
    assert names.tolist() == ["rear", "rear+groom", "", "groom"]
