"""Tests of behavert.datasets.synthetic_species and 3D poses through the tokenizer."""

from __future__ import annotations

import numpy as np
import pytest

from behavert.data.mapping import map_keypoints, project_top_view
from behavert.data.tokenizer import PoseTokenizer
from behavert.datasets.synthetic import KEYPOINTS, generate_synthetic
from behavert.datasets.synthetic_species import (
    RAT_KEYPOINTS,
    generate_synthetic_3d,
    generate_synthetic_rat,
    rat_dataset,
)


@pytest.fixture(scope="module")
def rec3d():
    return generate_synthetic_3d(300, seed=4)


def test_rat_is_another_synthetic_skeleton():
    rat = generate_synthetic_rat(200, seed=3)
    mouse = generate_synthetic(200, seed=3)
    p = rat.poses
    assert p.position.shape == (200, 2, len(RAT_KEYPOINTS), 2)
    assert p.source == "synthetic" and p.metadata["synthetic"]
    assert set(p.keypoints).isdisjoint(KEYPOINTS)

    # a larger body: nose-to-tail-base length ~1.8x the mouse's
    def length(poses, nose, tail):
        d = (
            poses.position[:, 0, poses.keypoints.index(nose)]
            - poses.position[:, 0, poses.keypoints.index(tail)]
        )
        return np.nanmedian(np.hypot(*d.T))

    ratio = length(p, "Neck", "TailRoot") / length(mouse.poses, "neck", "tail_base")
    assert 1.6 < ratio < 2.0
    np.testing.assert_array_equal(rat.labels, mouse.labels)
    again = generate_synthetic_rat(200, seed=3)
    np.testing.assert_array_equal(again.poses.position, p.position)
    assert len(rat_dataset(2, 100)) == 2


def test_rat_maps_onto_mouse_with_merges_and_masks():
    m = map_keypoints(RAT_KEYPOINTS, KEYPOINTS)
    assert m.mapped["Snout"] == "nose" and m.mapped["TailRoot"] == "tail_base"
    assert m.merged == {"spine": ("Spine1", "Spine2")}
    assert "left_forepaw" in m.missing and "Hip_L" in m.left_out


def test_3d_recording_rears_upwards(rec3d):
    p = rec3d.poses
    assert p.position.shape == (300, 2, 12, 3)
    z = p.position[..., 2]
    nose = z[:, 0, KEYPOINTS.index("nose")]
    assert np.nanmin(z) > -5  # jitter only below the floor
    rearing = rec3d.labels == rec3d.behaviours.index("rearing")
    if rearing.any():
        assert np.nanmean(nose[rearing]) > 2 * np.nanmean(nose[~rearing])


def _rotate_translate(position, angle, shift):
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    return position @ rot.T + np.asarray(shift)


def test_3d_tokenizer_round_trip_and_invariance(rec3d, tmp_path):
    p = rec3d.poses
    tok = PoseTokenizer().fit([p])
    features = tok.transform(p)
    assert features.shape == (300, tok.feature_size)
    assert np.isfinite(features).all()
    assert "resident/nose z" in tok.feature_names
    assert "resident/nose velocity z" in tok.feature_names
    # rotation about z plus a translation (z included) changes nothing
    moved = p.replace(position=_rotate_translate(p.position, 1.1, (40.0, -25.0, 3.0)))
    np.testing.assert_allclose(tok.transform(moved), features, atol=1e-3)
    # saved and loaded: same features; a 2D projection does not fit
    loaded = PoseTokenizer.load(tok.save(tmp_path))
    assert loaded.n_space == 3
    np.testing.assert_array_equal(loaded.transform(p), features)
    with pytest.raises(Exception, match="2D instead of 3D"):
        tok.transform(project_top_view(p))


def test_3d_top_view_matches_the_2d_generator(rec3d):
    top = project_top_view(rec3d.poses)
    assert top.n_space == 2
    flat = generate_synthetic(300, seed=4, noise=0.0, missing_rate=0.0)
    # the same motion: within the 3D generator's jitter
    diff = np.nanmedian(np.abs(top.position - flat.poses.position))
    assert diff < 1.0
    # a 2D tokenizer accepts the top view
    tok = PoseTokenizer().fit([flat.poses])
    assert np.isfinite(tok.transform(top)).all()
