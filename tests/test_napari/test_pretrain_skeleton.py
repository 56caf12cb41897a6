"""The Pretrain dock on recordings of three skeletons, mapped onto a reference."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui

FILES = {
    "bsoid": "dlc/bsoid_bottomup/"
    "raw_clip1DLC_resnet50_OpenFieldHighResApr8shuffle1_1030000.h5",
    "openfield": "dlc/openfield_pranav/openfield_dlc_inference_example.csv",
    "ethome": "labelled/ethome_resident_intruder/e3v813a-20210610T122332-122642DLC_"
    "dlcrnetms5_pilot_studySep24shuffle1_100000_el_filtered.csv",
}


@pytest.fixture
def three_skeletons(make_napari_viewer, shared_data):
    from napari.layers import Layer

    from behavert import load_poses
    from behavert.napari.convert.layers import poses_to_layers
    from behavert.napari.widgets._common import pose_layer_names
    from behavert.napari.widgets.pretrain import PretrainWidget

    viewer = make_napari_viewer(show=True)
    poses = {k: load_poses(shared_data / v) for k, v in FILES.items()}
    for name, p in poses.items():
        for item in poses_to_layers(p, name=name):
            viewer.add_layer(Layer.create(*item))
    widget = PretrainWidget(viewer)
    names = pose_layer_names(viewer)
    assert len(names) == 3
    widget._pose_layers.value = names
    widget._steps.value = 2
    widget._batch_size.value = 2
    return viewer, widget, names, poses


def test_pretrain_dock_maps_every_layer_onto_the_reference(
    three_skeletons, qtbot, tmp_path
):
    from qtpy.QtWidgets import QComboBox, QPushButton

    from behavert.train.run import load_run

    viewer, widget, names, poses = three_skeletons
    ethome = next(n for n in names if n.startswith("ethome"))
    combo = widget.native.findChild(QComboBox, "skeleton")
    combo.setCurrentIndex(combo.findText(ethome))  # as a user picks it
    assert widget._skeleton.value == ethome
    # the ethome mice are an adult and a juvenile: mirror, no swap
    augment = widget.native.findChild(QComboBox, "augment")
    augment.setCurrentIndex(augment.findText("mirror (animals with roles)"))
    widget._output.value = tmp_path / "pre"
    widget.native.findChild(QPushButton, "run_button").click()
    job = widget.job
    assert job is not None, widget._status.value
    qtbot.waitUntil(lambda: job.done, timeout=240_000)
    assert job.error is None, job.error
    assert [len(r.used) for r in widget.mapping_reports] == [2, 4, 7]
    _, tokenizer, meta = load_run(tmp_path / "pre" / "model")
    assert list(meta["train_config"]["augment"]) == ["mirror"]
    assert meta["train_config"]["hide_animal"] == 0.5  # the rest of the recipe
    assert tokenizer.keypoints == poses["ethome"].keypoints
    assert tokenizer.individuals == poses["ethome"].individuals


def test_without_a_reference_mixed_skeletons_fail_with_the_hint(
    three_skeletons, qtbot, tmp_path, mocker
):
    from qtpy.QtWidgets import QPushButton

    viewer, widget, names, poses = three_skeletons
    show_error = mocker.patch("behavert.napari._notify.show_error")
    widget._output.value = tmp_path / "pre"
    widget.native.findChild(QPushButton, "run_button").click()
    job = widget.job
    qtbot.waitUntil(lambda: job.done, timeout=240_000)
    assert job.error is not None
    assert "--skeleton" in str(job.error) and "skeleton differs" in str(job.error)
    qtbot.waitUntil(lambda: show_error.called, timeout=10_000)
    assert "skeleton differs" in show_error.call_args.args[0]
