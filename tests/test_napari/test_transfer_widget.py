"""Transfer in the Train classifier widget: a rat-like run trained on mouse layers.

The pretrained run (3 steps, tiny preset) is on a synthetic rat-like skeleton;
the pose layer is a synthetic mouse recording with annotations. The widget
must show the keypoint mapping and train through ``transfer``. Plumbing only,
not accuracy.
"""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.gui

TIMEOUT_MS = 240_000
N_FRAMES = 160


@pytest.fixture(scope="module")
def rat_run(tmp_path_factory):
    """A tiny pretrained run on a synthetic rat-like skeleton."""
    from behavert.datasets.synthetic_species import generate_synthetic_rat
    from behavert.train import pretrain, run_to_end
    from behavert.train.config import TrainConfig

    out = tmp_path_factory.mktemp("synthetic_rat_run")
    rat = generate_synthetic_rat(N_FRAMES, seed=3).poses
    tc = TrainConfig(max_steps=3, batch_size=2)
    run_to_end(pretrain([rat], config="tiny", train_config=tc, out=out, window=64))
    return out, rat


def _add_poses(viewer, poses, name):
    from napari.layers import Layer

    from behavert.napari.convert.layers import poses_to_layers

    for item in poses_to_layers(poses, name=name):
        layer = Layer.create(*item)
        viewer.add_layer(layer)
        if item[2] == "points":
            points = layer.name
    return points


@pytest.fixture
def mouse_viewer(make_napari_viewer):
    from behavert.datasets.synthetic import generate_synthetic
    from behavert.io.labels import FrameLabels

    viewer = make_napari_viewer()
    poses = generate_synthetic(N_FRAMES, seed=0).poses
    name = _add_poses(viewer, poses, "synthetic mouse")
    values = np.zeros((N_FRAMES, 2))
    values[10:50, 0] = 1
    values[90:130, 1] = 1
    viewer.layers[name].metadata["annotations"] = FrameLabels(
        ("rearing", "grooming"), values
    )
    return viewer, name, poses


def test_transfer_with_mapping_review(mouse_viewer, rat_run, qtbot, tmp_path, mocker):
    from qtpy.QtWidgets import QPushButton

    from behavert.data.tokenizer import PoseTokenizer
    from behavert.io.mapping_file import load_mapping
    from behavert.napari.widgets.mapping_table import LEFT_OUT
    from behavert.napari.widgets.train import TrainClassifierWidget

    show_error = mocker.patch("behavert.napari._notify.show_error")
    viewer, name, mouse = mouse_viewer
    run, rat = rat_run
    widget = TrainClassifierWidget(viewer)
    assert widget.mapping_widget is None
    widget._pose_layers.value = [name]
    widget._init_run.value = run  # resolves <out>/model
    table = widget.mapping_widget
    assert table is not None and not widget._mapping_slot.native.isHidden()
    assert list(widget._mapping_slot) == [table]
    mapping = table.mapping
    assert mapping.source == rat.keypoints and mapping.target == mouse.keypoints
    assert mapping.pairs  # the automatic matches are shown
    # the user's edit of one row reaches the training
    edited, _, _ = mapping.pairs[0]
    table._rows[edited].value = LEFT_OUT
    widget._pose_layers.value = [name]  # same skeletons: the edit is kept
    assert widget.mapping_widget is table

    widget._steps.value = 2
    widget._batch_size.value = 2
    widget._realign_steps.value = 2
    widget._output.value = tmp_path / "transferred"
    widget.native.findChild(QPushButton, "run_button").click()
    job = widget.job
    assert job is not None, widget._status.value
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT_MS)
    assert job.error is None, job.error
    show_error.assert_not_called()

    model_dir = tmp_path / "transferred" / "model"
    assert PoseTokenizer.load(model_dir).keypoints == mouse.keypoints
    assert widget.last_run.model.config.frame_labels == ["other", "rearing", "grooming"]
    saved = load_mapping(tmp_path / "transferred" / "keypoint_mapping.csv")
    assert saved.get(edited) is None  # the edited row was left out
    assert sum(t is not None for t in saved.values()) == len(mapping.pairs) - 1
    assert "transfer/mapped_features" in widget.last_run.metrics


def test_same_skeleton_shows_no_mapping(make_napari_viewer, rat_run):
    from behavert.napari.widgets.train import TrainClassifierWidget

    viewer = make_napari_viewer()
    run, rat = rat_run
    name = _add_poses(viewer, rat, "synthetic rat")
    widget = TrainClassifierWidget(viewer)
    widget._pose_layers.value = [name]
    widget._init_run.value = run
    assert widget.mapping_widget is None
    assert widget._mapping_slot.native.isHidden()
