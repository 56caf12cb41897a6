"""Recordings of different skeletons mapped onto one reference skeleton."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from behavert import load_poses
from behavert.cli import app
from behavert.data.skeleton import mapping_table, to_skeleton
from behavert.train.run import load_run

BSOID = (
    "dlc/bsoid_bottomup/raw_clip1DLC_resnet50_OpenFieldHighResApr8shuffle1_1030000.h5"
)
OPENFIELD = "dlc/openfield_pranav/openfield_dlc_inference_example.csv"
ETHOME = (
    "labelled/ethome_resident_intruder/e3v813a-20210610T122332-122642DLC_"
    "dlcrnetms5_pilot_studySep24shuffle1_100000_el_filtered.csv"
)


@pytest.fixture(scope="module")
def real(shared_data):
    paths = {"bsoid": BSOID, "openfield": OPENFIELD, "ethome": ETHOME}
    return {k: load_poses(shared_data / v) for k, v in paths.items()}


def test_single_animal_recording_fills_the_first_animal(real):
    ref, one = real["ethome"], real["openfield"]
    mapped, report = to_skeleton(one, ref)
    assert mapped.keypoints == ref.keypoints and mapped.individuals == ref.individuals
    assert mapped.edges == ref.edges and mapped.n_frames == one.n_frames
    assert report.n_animals == 1 and report.n_animals_left_out == 0
    assert np.isnan(mapped.position[:, 1]).all()  # the second mouse: missing
    assert 0 < len(report.used) < ref.n_keypoints  # some keypoints masked
    for name in report.used:  # every mapped point is a copy of a source point
        k = ref.keypoints.index(name)
        sources = report.keypoints.sources_of(name)
        j = [one.keypoints.index(s) for s in sources]
        expected = np.nanmean(one.position[:, 0, j], axis=1)
        np.testing.assert_allclose(mapped.position[:, 0, k], expected)


def test_the_reference_maps_onto_itself(real):
    ref = real["ethome"]
    mapped, report = to_skeleton(ref, ref)
    np.testing.assert_array_equal(mapped.position, ref.position)
    assert report.used == ref.keypoints and report.n_animals == 2


def test_user_map_overrides_and_report_lists_every_keypoint(real):
    ref, bsoid = real["ethome"], real["bsoid"]
    first = bsoid.keypoints[0]
    _, report = to_skeleton(bsoid, ref, user_map={first: None})
    assert first in report.keypoints.left_out
    table = mapping_table([report], [bsoid])
    assert set(table["source"]) - {""} == set(bsoid.keypoints)
    assert (table["recording"] == bsoid.path.stem).all()


def test_cli_pretrains_on_three_skeletons_with_a_reference(shared_data, tmp_path):
    """B-SOiD (6 keypoints), open field (4) and resident-intruder (2 x 7)."""
    files = [str(shared_data / p) for p in (BSOID, OPENFIELD, ETHOME)]
    out = tmp_path / "pre"
    fast = ["--preset", "tiny", "--steps", "2", "--batch-size", "4"]
    assert app(["pretrain", *files[:2], "--out", str(tmp_path / "x"), *fast]) == 2
    args = ["pretrain", *files, "--skeleton", files[2], "--out", str(out), *fast]
    assert app(args) == 0
    _, tokenizer, _ = load_run(out / "model")
    ethome = load_poses(files[2])
    assert tokenizer.keypoints == ethome.keypoints
    assert tokenizer.individuals == ethome.individuals
    table = pd.read_csv(out / "skeleton_mapping.csv")
    assert set(table["recording"]) == {load_poses(f).path.stem for f in files}
    assert {"mapped", "missing (masked)"} <= set(table["status"])
