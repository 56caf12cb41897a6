"""The Pretrain and Train docks protect run folders like the command line does.

A second Run into a folder holding a finished run is refused (the reason in
the dock's status line) until the Overwrite box is ticked, and the Train dock
refuses an output folder that is its pretrained run's. Buttons and the box are
clicked as a user would (qtbot).
"""

from __future__ import annotations

import json

import pytest
from fixtures.gui import click

pytestmark = pytest.mark.gui

TIMEOUT_MS = 240_000
LAYER = "synthetic keypoints"


@pytest.fixture
def viewer(make_napari_viewer):
    from napari.layers import Layer

    from behavert.napari._sample_data import make_synthetic_sample

    viewer = make_napari_viewer()
    for item in make_synthetic_sample(n_frames=256):
        viewer.add_layer(Layer.create(*item))
    return viewer


def _tiny(widget, steps: int = 2) -> None:
    widget._pose_layers.value = [LAYER]
    widget._steps.value = steps
    widget._batch_size.value = 2
    widget._window.value = 64


def _run(widget, qtbot):
    before = widget.job
    click(widget, "run_button", qtbot)
    job = widget.job
    assert job is not None and job is not before, widget._status.value
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT_MS)
    assert job.error is None, job.error
    return job


def _model_bytes(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "model").iterdir())}


def test_pretrain_dock_needs_overwrite_for_a_finished_run(
    viewer, qtbot, tmp_path, mocker
):
    from behavert.napari.widgets.pretrain import PretrainWidget

    show_error = mocker.patch("behavert.napari._notify.show_error")
    widget = PretrainWidget(viewer)
    _tiny(widget)
    out = tmp_path / "pre"
    widget._output.value = out
    assert widget._overwrite.value is False  # off by default
    _run(widget, qtbot)
    before = _model_bytes(out)

    _tiny(widget, steps=3)
    last = widget.job
    click(widget, "run_button", qtbot)
    assert widget.job is last  # nothing started
    status = widget._status.value
    assert "finished run" in status and str(out) in status and "Overwrite" in status
    assert "finished run" in show_error.call_args.args[0]
    assert _model_bytes(out) == before

    click(widget, "overwrite", qtbot)  # the user ticks the box
    assert widget._overwrite.value is True
    _run(widget, qtbot)
    meta = json.loads((out / "model" / "meta.json").read_text())
    assert meta["train_config"]["max_steps"] == 3  # the new run replaced it
    assert "saved to" in widget._status.value


def test_train_dock_refuses_its_pretrained_runs_folder(viewer, qtbot, tmp_path, mocker):
    from behavert.napari.widgets.annotate import AnnotateWidget
    from behavert.napari.widgets.pretrain import PretrainWidget
    from behavert.napari.widgets.train import TrainClassifierWidget

    show_error = mocker.patch("behavert.napari._notify.show_error")
    annotate = AnnotateWidget(viewer)
    annotate.add_class("rearing")
    for a, b in [(10, 40), (90, 130)]:
        viewer.dims.set_point(0, a)
        annotate.toggle_bout(0)
        viewer.dims.set_point(0, b)
        annotate.toggle_bout(0)
    pretrain = PretrainWidget(viewer)
    _tiny(pretrain)
    pre = tmp_path / "pre"
    pretrain._output.value = pre
    _run(pretrain, qtbot)
    before = _model_bytes(pre)

    train = TrainClassifierWidget(viewer)
    _tiny(train)
    train._init_run.value = pre
    for out in (pre, pre / "model", pre / "classifier"):
        train._output.value = out
        click(train, "run_button", qtbot)
        assert train.job is None, out
        status = train._status.value
        assert "initial run" in status and str(pre) in status, status
    assert "initial run" in show_error.call_args.args[0]
    assert _model_bytes(pre) == before
    assert not (pre / "classifier").exists()

    train._output.value = tmp_path / "classifier"  # elsewhere: trains
    _run(train, qtbot)
    assert (tmp_path / "classifier" / "model" / "config.json").is_file()
