"""Tests of the low-level pose feature functions."""

from __future__ import annotations

import numpy as np

from behavert.data.features import (
    References,
    body_centre,
    heading_angle,
    normalise_name,
    resolve_candidates,
    wrap_angle,
)


def test_names_match_ignoring_case_and_punctuation():
    assert normalise_name("Butt/Proximal Tail") == "buttproximaltail"
    keypoints = ["Snout", "Tail_base", "LeftHip", "right hip"]
    assert resolve_candidates(keypoints, ["nose", "snout"]) == [(0,)]
    assert resolve_candidates(keypoints, ["tailbase"]) == [(1,)]
    assert resolve_candidates(keypoints, ["left_hip+right_hip", "x"]) == [(2, 3)]


def test_references_fall_back_to_first_and_last():
    refs = References.from_names(
        ["a", "b", "c"], nose=["nose"], front=["neck"], back=["tail"], centre=["x"]
    )
    assert refs.nose == ((0,),)
    assert refs.front == ((0,),)
    assert refs.back == ((2,),)
    assert refs.torso == (0, 1, 2)


def test_body_centre_uses_torso_then_centroid():
    pos = np.array([[[0.0, 0.0], [2.0, 0.0], [10.0, 10.0]]] * 2)
    pos[1, :2] = np.nan
    centre = body_centre(pos, torso=(0, 1))
    np.testing.assert_allclose(centre[0], [1.0, 0.0])
    np.testing.assert_allclose(centre[1], [10.0, 10.0])


def test_heading_from_back_to_front_and_pca_fallback():
    refs = References(nose=((0,),), front=((0,),), back=((2,),), torso=(1,))
    pos = np.array(
        [
            [[0.0, 5.0], [0.0, 0.0], [0.0, -5.0]],  # pointing +y
            [[np.nan, np.nan], [1.0, 1.0], [np.nan, np.nan]],  # one point: NaN
            [[-3.0, 0.0], [0.0, 0.0], [np.nan, np.nan]],  # PCA: towards keypoint 0
        ]
    )
    centre = body_centre(pos, refs.torso)
    angle = heading_angle(pos, refs, centre)
    np.testing.assert_allclose(angle[0], np.pi / 2)
    assert np.isnan(angle[1])
    np.testing.assert_allclose(abs(wrap_angle(angle[2])), np.pi)


def test_torso_of_heading_ends_only_is_the_centroid():
    refs = References.from_names(
        ["snout", "leftear", "rightear", "tailbase"],
        nose=["nose", "snout"],
        front=["neck", "snout"],
        back=["tailbase"],
        centre=["spine", "tailbase"],
    )
    assert refs.torso == (0, 1, 2, 3)
    refs = References.from_names(
        ["nose", "neck", "spine", "tail_base"],
        nose=["nose"],
        front=["neck"],
        back=["tail_base"],
        centre=["spine", "neck", "tail_base"],
    )
    assert refs.torso == (1, 2, 3)
