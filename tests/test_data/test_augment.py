"""Augmented variants (swap, mirror) and hidden animals, on synthetic poses."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from behavert.data.augment import check_augment, pose_variants
from behavert.data.hiding import animal_features, hide_animals
from behavert.data.tokenizer import PoseTokenizer
from behavert.errors import ConfigError


def test_variants_swap_animals_and_mirror_x(poses):
    variants = pose_variants(poses, ("swap", "mirror"))
    assert len(variants) == 4 and variants[0] is poses
    mirrored, swapped, both = variants[1], variants[2], variants[3]
    np.testing.assert_array_equal(swapped.position[:, 0], poses.position[:, 1])
    np.testing.assert_array_equal(swapped.individuals, poses.individuals)
    kp = list(poses.keypoints)
    left, right, nose = kp.index("left_ear"), kp.index("right_ear"), kp.index("nose")
    # x -> -x, and the left ear of the mirror image is the right ear of the animal
    x, y = poses.position[..., 0], poses.position[..., 1]
    np.testing.assert_array_equal(mirrored.position[:, :, nose, 0], -x[:, :, nose])
    np.testing.assert_array_equal(mirrored.position[:, :, left, 0], -x[:, :, right])
    np.testing.assert_array_equal(mirrored.position[:, :, right, 1], y[:, :, left])
    np.testing.assert_array_equal(
        both.position[:, 1, nose, 0], -poses.position[:, 0, nose, 0]
    )


def test_mirror_names_pair_left_and_right():
    from behavert.data.augment import mirror_name, mirror_order

    assert mirror_name("LeftEar") == "rightear" and mirror_name("hip_r") == "hip_l"
    assert mirror_name("l_paw") == "r_paw" and mirror_name("nose") == "nose"
    keypoints = ("nose", "leftear", "rightear", "neck", "lefthip", "righthip", "tail")
    assert mirror_order(keypoints) == [0, 2, 1, 3, 5, 4, 6]
    assert mirror_order(("top", "body", "tail")) == [0, 1, 2]


def test_a_swap_of_one_animal_is_no_variant(make_poses):
    single = make_poses(n_individuals=1)
    assert len(pose_variants(single, ("swap", "mirror"))) == 2


def test_swapped_features_exchange_the_animals(make_poses):
    poses = make_poses()  # no missing points
    tokenizer = PoseTokenizer().fit([poses])
    groups = tokenizer.feature_groups
    original = tokenizer.transform(poses)
    swapped = tokenizer.transform(pose_variants(poses, ("swap",))[1])
    a, b = groups["mouse0"], groups["mouse1"]
    flags = set(groups["missing keypoint"])
    for i, j in zip(a, b):  # each column is normalised with its own statistics
        if i in flags:
            np.testing.assert_array_equal(swapped[:, i], original[:, j])
        elif original[:, j].std() > 1e-3:  # a rigid body: shape columns constant
            assert np.corrcoef(swapped[:, i], original[:, j])[0, 1] > 0.99


def test_unknown_augmentation_is_named():
    with pytest.raises(ConfigError, match="rotate"):
        check_augment(("swap", "rotate"))
    assert check_augment("mirror") == ("mirror",)


def test_hiding_an_animal_looks_like_losing_its_track(poses):
    tokenizer = PoseTokenizer().fit([poses])
    groups = tokenizer.feature_groups
    hidden, flags = animal_features(
        groups, tokenizer.individuals, tokenizer.feature_size
    )
    own, pair = groups["mouse0"], groups["mouse0-mouse1"]
    assert hidden[0, own].all() and hidden[0, pair].all()
    assert not hidden[0, [i for i in groups["mouse1"] if i not in pair]].any()
    assert flags[0].sum() == len(tokenizer.keypoints)
    x = torch.from_numpy(tokenizer.transform(poses)[None, :64].copy()).repeat(6, 1, 1)
    valid = torch.ones(6, 64, dtype=torch.bool)
    valid[5, 60:] = False  # padding is never hidden
    gen = torch.Generator().manual_seed(0)
    shown, targets = hide_animals(
        x, torch.from_numpy(hidden), torch.from_numpy(flags), 1.0, valid, gen
    )
    for b in range(6):
        rows = targets[b].any(0)
        animal = 0 if rows[own[0]] else 1
        mask = torch.from_numpy(hidden[animal])
        assert (shown[b, :60][:, mask & ~torch.from_numpy(flags[animal])] == 0).all()
        assert (shown[b, :60][:, torch.from_numpy(flags[animal])] == 1).all()
        assert torch.equal(shown[b][:, ~mask], x[b][:, ~mask])
    assert not targets[5, 60:].any()
    _, none = hide_animals(
        x, torch.from_numpy(hidden), torch.from_numpy(flags), 0.0, valid, gen
    )
    assert not none.any()
