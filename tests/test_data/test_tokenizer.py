"""Tests of PoseTokenizer (synthetic random-walk poses)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from behavert.data.tokenizer import PoseTokenizer, TokenizerConfig
from behavert.errors import (
    BehavertError,
    CorruptFileError,
    ModelFileError,
    SkeletonMismatchError,
)

KEYPOINTS = (
    "nose", "left_ear", "right_ear", "neck", "spine", "left_hip", "right_hip",
    "tail_base", "tail_tip",
)  # fmt: skip


def expected_size(n_ind, n_kp, n_space):
    per_animal = n_kp * n_space * 2 + 2 + n_kp
    ordered = n_ind * (n_ind - 1) * (n_space + 3)
    unordered = n_ind * (n_ind - 1) // 2 * 2
    return n_ind * per_animal + ordered + unordered


@pytest.mark.parametrize("n_ind", [1, 2, 3])
@pytest.mark.parametrize("n_space", [2, 3])
def test_shapes(n_ind, n_space, make_poses):
    poses = make_poses(60, n_individuals=n_ind, n_space=n_space)
    tokenizer = PoseTokenizer().fit([poses])
    features = tokenizer.transform(poses)
    size = expected_size(n_ind, len(KEYPOINTS), n_space)
    assert features.shape == (60, size)
    assert features.dtype == np.float32
    assert tokenizer.feature_size == size == len(tokenizer.feature_names)
    assert np.isfinite(features).all()
    assert len(set(tokenizer.feature_names)) == size
    indices = sorted({i for g in tokenizer.feature_groups.values() for i in g})
    assert indices == list(range(size))


def test_feature_groups_are_readable(poses):
    tokenizer = PoseTokenizer().fit([poses])
    groups = tokenizer.feature_groups
    names = tokenizer.feature_names
    for group in (
        "mouse0/nose",
        "nose-to-nose distance",
        "nose-to-tail-base distance",
        "relative position",
        "relative heading",
        "centre speed",
        "centre-to-centre distance",
        "mouse0-mouse1",
        "missing keypoint",
    ):
        assert groups[group], group
    assert [names[i] for i in groups["nose-to-nose distance"]] == [
        "mouse0-mouse1 nose-to-nose distance"
    ]
    assert "mouse0/nose x" in [names[i] for i in groups["mouse0/nose"]]
    assert len(groups["relative heading"]) == 4


def rotate_shift(poses, angle, shift):
    c, s = np.cos(angle), np.sin(angle)
    pos = poses.position.copy()
    x, y = pos[..., 0].copy(), pos[..., 1].copy()
    pos[..., 0] = c * x - s * y + shift[0]
    pos[..., 1] = s * x + c * y + shift[1]
    return poses.replace(position=pos)


@pytest.mark.parametrize("n_space", [2, 3])
def test_rotation_translation_invariance(n_space, make_poses):
    poses = make_poses(120, n_individuals=2, n_space=n_space, missing=0.03)
    tokenizer = PoseTokenizer().fit([poses])
    moved = rotate_shift(poses, 1.1, (250.0, -75.0))
    a, b = tokenizer.transform(poses), tokenizer.transform(moved)
    np.testing.assert_allclose(a, b, atol=2e-4)


def test_not_egocentric_is_not_rotation_invariant(poses):
    tokenizer = PoseTokenizer(TokenizerConfig(egocentric=False)).fit([poses])
    moved = rotate_shift(poses, 1.1, (250.0, -75.0))
    assert not np.allclose(tokenizer.transform(poses), tokenizer.transform(moved),
                           atol=1e-2)  # fmt: skip


def test_missing_keypoints_give_zero_and_mask(poses):
    tokenizer = PoseTokenizer(TokenizerConfig(max_gap=0)).fit([poses])
    position = poses.position.copy()
    position[10, 0, 0] = np.nan  # mouse0 nose
    position[11, 1] = np.nan  # mouse1 entirely
    features = tokenizer.transform(poses.replace(position=position))
    assert np.isfinite(features).all()
    names = tokenizer.feature_names
    groups = tokenizer.feature_groups
    col = {n: i for i, n in enumerate(names)}
    assert features[10, col["mouse0/nose missing"]] == 1.0
    assert features[10, col["mouse0/nose x"]] == 0.0
    assert features[10, col["mouse0/nose velocity x"]] == 0.0
    assert features[10, col["mouse0-mouse1 nose-to-nose distance"]] == 0.0
    mouse1_masks = [i for i in groups["mouse1"] if i in groups["missing keypoint"]]
    assert (features[11, mouse1_masks] == 1.0).all()
    assert (features[11, groups["relative position"]] == 0.0).all()
    assert features[12, col["mouse0/nose missing"]] == 0.0


def test_short_gaps_are_interpolated_long_ones_stay_missing(make_poses):
    poses = make_poses()  # no missing points
    tokenizer = PoseTokenizer(TokenizerConfig(max_gap=3)).fit([poses])
    col = {n: i for i, n in enumerate(tokenizer.feature_names)}
    position = poses.position.copy()
    position[10:13, 0, 0] = np.nan  # a 3-frame gap: bridged
    position[20:24, 0, 0] = np.nan  # a 4-frame gap: left missing
    features = tokenizer.transform(poses.replace(position=position))
    # the mask channel still says "not tracked" where a value was interpolated
    assert (
        features[[*range(10, 13), *range(20, 24)], col["mouse0/nose missing"]] == 1
    ).all()
    assert features[13, col["mouse0/nose missing"]] == 0
    truth = tokenizer.transform(poses)[:, col["mouse0/nose x"]]
    assert np.abs(features[10:13, col["mouse0/nose x"]] - truth[10:13]).max() < 1.0
    assert (features[20:24, col["mouse0/nose x"]] == 0).all()


def test_fill_gaps_only_between_tracked_frames():
    from behavert.data.gaps import fill_gaps

    x = np.array([np.nan, 1, np.nan, np.nan, 4, np.nan, np.nan, np.nan, 8, np.nan])
    filled, n = fill_gaps(x, 2)
    np.testing.assert_allclose(filled[1:5], [1, 2, 3, 4])
    assert np.isnan(filled[[0, 5, 6, 7, 9]]).all() and n == 2
    assert np.isnan(x[2])  # the input is not changed
    filled, n = fill_gaps(x, 3)
    np.testing.assert_allclose(filled[1:9], [1, 2, 3, 4, 5, 6, 7, 8])
    assert n == 5 and np.isnan(filled[[0, 9]]).all()
    view = np.stack([x, x], axis=1)[:, ::-1]  # not C-contiguous
    filled, n = fill_gaps(view, 3)
    assert n == 10 and not np.isnan(filled[1:9]).any()


def test_tokenizer_files_without_max_gap_fill_nothing(poses, tmp_path):
    """A tokenizer saved before gap filling existed keeps its features."""
    old = PoseTokenizer(TokenizerConfig(max_gap=0)).fit([poses])
    old.save(tmp_path)
    data = json.loads((tmp_path / "tokenizer.json").read_text())
    del data["config"]["max_gap"]
    (tmp_path / "tokenizer.json").write_text(json.dumps(data))
    assert PoseTokenizer.load(tmp_path).config.max_gap == 0
    assert TokenizerConfig().max_gap == 0


def test_clipped(poses):
    tokenizer = PoseTokenizer(TokenizerConfig(clip=0.5)).fit([poses])
    position = poses.position.copy()
    position[50, 0, 0] += 1e4  # a tracking glitch
    features = tokenizer.transform(poses.replace(position=position))
    assert np.abs(features).max() <= 1.0  # masks are 0/1, others clipped


def test_save_load_round_trip(poses, tmp_path):
    tokenizer = PoseTokenizer(TokenizerConfig(velocity_lag=2)).fit([poses])
    path = tokenizer.save(tmp_path / "run")
    assert path == tmp_path / "run" / "tokenizer.json"
    data = json.loads(path.read_text())
    assert data["skeleton"]["keypoints"] == list(KEYPOINTS)
    assert data["skeleton"]["n_individuals"] == 2
    loaded = PoseTokenizer.load(tmp_path / "run")
    assert loaded.config == tokenizer.config
    assert loaded.feature_names == tokenizer.feature_names
    assert loaded.feature_groups == tokenizer.feature_groups
    np.testing.assert_array_equal(loaded.transform(poses), tokenizer.transform(poses))


def test_load_errors(poses, tmp_path):
    with pytest.raises(ModelFileError, match="tokenizer.json"):
        PoseTokenizer.load(tmp_path)
    (tmp_path / "tokenizer.json").write_text("{broken")
    with pytest.raises(CorruptFileError) as info:
        PoseTokenizer.load(tmp_path)
    assert info.value.path == tmp_path / "tokenizer.json"
    PoseTokenizer().fit([poses]).save(tmp_path)
    data = json.loads((tmp_path / "tokenizer.json").read_text())
    data["statistics"]["median"] = data["statistics"]["median"][:3]
    (tmp_path / "tokenizer.json").write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match="statistics"):
        PoseTokenizer.load(tmp_path)


def test_compatibility_errors(poses, make_poses):
    tokenizer = PoseTokenizer().fit([poses])
    renamed = poses.replace(keypoints=("snout",) + KEYPOINTS[1:])
    with pytest.raises(
        SkeletonMismatchError, match="missing keypoints \\['nose'\\]"
    ) as e:
        tokenizer.transform(renamed)
    assert "extra keypoints ['snout']" in str(e.value)
    with pytest.raises(SkeletonMismatchError, match="1 individuals"):
        tokenizer.check_compatible(poses.select_individuals([0]))
    with pytest.raises(SkeletonMismatchError, match="3D instead of 2D"):
        tokenizer.check_compatible(make_poses(10, n_space=3))
    with pytest.raises(SkeletonMismatchError):
        PoseTokenizer().fit([poses, poses.select_individuals([0])])


def test_keypoint_and_individual_order_do_not_matter(poses):
    tokenizer = PoseTokenizer().fit([poses])
    order = list(range(len(KEYPOINTS)))[::-1]
    shuffled = poses.replace(
        position=poses.position[:, ::-1][:, :, order],
        confidence=poses.confidence[:, ::-1][:, :, order],
        keypoints=tuple(KEYPOINTS[i] for i in order),
        individuals=poses.individuals[::-1],
    )
    np.testing.assert_array_equal(
        tokenizer.transform(shuffled), tokenizer.transform(poses)
    )


def test_unknown_skeleton_uses_fallbacks(make_poses):
    poses = make_poses(80, keypoints=("p1", "p2", "p3", "p4"), missing=0.1)
    tokenizer = PoseTokenizer().fit([poses])
    features = tokenizer.transform(poses)
    assert np.isfinite(features).all() and features.std() > 0
    moved = rotate_shift(poses, -0.7, (5.0, 9.0))
    np.testing.assert_allclose(tokenizer.transform(moved), features, atol=2e-4)


def test_single_keypoint_skeleton(make_poses):
    poses = make_poses(30, keypoints=("centroid",))
    features = PoseTokenizer().fit([poses]).transform(poses)
    assert features.shape[0] == 30 and np.isfinite(features).all()


def test_unfitted_and_bad_config():
    with pytest.raises(BehavertError, match="not fitted"):
        _ = PoseTokenizer().feature_size
    with pytest.raises(ValueError, match="velocity_lag"):
        TokenizerConfig(velocity_lag=0)
    with pytest.raises(ValueError, match="clip"):
        TokenizerConfig(clip=-1)
    config = TokenizerConfig(nose_keypoints=["snout"])
    assert config.nose_keypoints == ("snout",)
    assert TokenizerConfig.from_dict(config.to_dict()) == config


def test_body_length_is_nose_to_tail_base(poses):
    tokenizer = PoseTokenizer().fit([poses])
    nose, tail = (
        poses.position[:, :, 0],
        poses.position[:, :, KEYPOINTS.index("tail_base")],
    )
    expected = np.nanmedian(np.sqrt(((nose - tail) ** 2).sum(-1)))
    assert tokenizer.body_length == pytest.approx(expected)


@pytest.mark.realdata
def test_real_resident_intruder(shared_data):
    from behavert.io.load import load_poses

    path = next(
        (shared_data / "labelled" / "ethome_resident_intruder").glob("*DLC*.csv")
    )
    poses = load_poses(path).select_frames(slice(0, 600))
    tokenizer = PoseTokenizer().fit([poses])
    features = tokenizer.transform(poses)
    assert features.shape[0] == 600 and np.isfinite(features).all()
    assert "adult-juvenile nose-to-nose distance" in tokenizer.feature_names
