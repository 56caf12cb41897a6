"""The unlabelled real mouse recordings, mapped onto the ethome skeleton."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def real_corpus(load_benchmark):
    """``benchmarks/real_corpus.py`` as a module."""
    return load_benchmark("real_corpus")


@pytest.fixture(scope="module")
def mapped(shared_data, load_benchmark, real_corpus):
    load = load_benchmark("bench_ethome").load
    target, _ = load(shared_data / "labelled" / "ethome_resident_intruder")
    return target, *real_corpus.corpus(target, shared_data)


def test_every_recording_in_the_target_skeleton(mapped, real_corpus):
    target, recordings, lines = mapped
    assert len(lines) == len(real_corpus.RECORDINGS) and not any(
        "absent" in x for x in lines
    )
    assert len(recordings) >= 8
    for poses in recordings:
        assert poses.keypoints == target.keypoints
        assert poses.individuals == target.individuals
        assert poses.position.shape[1:] == target.position.shape[1:]
        assert np.isfinite(poses.position).any()
    assert sum(p.n_frames for p in recordings) > 10_000


def test_values_are_the_source_values_and_missing_stays_nan(
    mapped, shared_data, real_corpus
):
    from behavert.io.load import load_poses

    target, recordings, lines = mapped
    source = load_poses(
        shared_data / real_corpus.RECORDINGS[0][0]
    )  # open field: snout...
    first = recordings[0]
    nose = target.keypoints.index("nose")
    snout = source.keypoints.index("snout")
    np.testing.assert_array_equal(
        first.position[:, 0, nose], source.position[:, 0, snout]
    )
    assert np.isnan(first.position[:, 1]).all()  # one mouse: no second animal
    assert np.isnan(first.position[:, 0, target.keypoints.index("neck")]).all()
    assert "4/7 keypoints" in lines[0]
    # B-SOiD is 60 fps: every other frame
    bsoid = load_poses(shared_data / real_corpus.RECORDINGS[1][0])
    assert recordings[1].n_frames == (bsoid.n_frames + 1) // 2
