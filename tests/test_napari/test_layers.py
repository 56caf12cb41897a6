"""Tests for behavert.napari.convert.layers (pure converters, no viewer)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from behavert.colors import INDIVIDUAL_PALETTE as PALETTE
from behavert.colors import individual_colors
from behavert.io.poses import Poses
from behavert.napari.convert.layers import (
    poses_to_layers,
    poses_to_points,
    poses_to_skeleton,
    video_to_layer,
)


def synthetic_poses(n_frames=6, start=0, space=2, seed=42) -> Poses:
    """Synthetic 2-individual, 3-keypoint poses with a few NaN points."""
    rng = np.random.default_rng(seed)
    position = rng.uniform(10, 90, (n_frames, 2, 3, space))
    position[1, 0, 2] = np.nan  # one missing point -> edge (1, 2) of m1 dropped
    position[2, 1, :, 0] = np.nan  # a whole missing animal in frame 2
    confidence = rng.uniform(0.5, 1, (n_frames, 2, 3))
    return Poses(
        position=position,
        confidence=confidence,
        keypoints=("nose", "neck", "tail"),
        individuals=("m1", "m2"),
        edges=((0, 1), (1, 2)),
        frame_index=np.arange(start, start + n_frames),
        source="synthetic",
    )


class FakeVideo:
    """Lazy array stand-in that fails if anything tries to load it."""

    def __init__(self, shape):
        self.shape, self.ndim, self.dtype = shape, len(shape), np.dtype("uint8")

    def __len__(self):
        return self.shape[0]

    def __array__(self, *args, **kwargs):
        raise AssertionError("the video must not be loaded")


def test_layer_types_and_names():
    poses = synthetic_poses()
    video = FakeVideo((6, 100, 120))
    layers = poses_to_layers(poses, video=video, name="rec")
    assert [lt for _, _, lt in layers] == ["image", "points", "vectors"]
    assert [kw["name"] for _, kw, _ in layers] == [
        "rec video",
        "rec keypoints",
        "rec skeleton",
    ]
    image, kwargs, _ = layers[0]
    assert image is video  # passed through lazily, never converted
    assert kwargs["rgb"] is False and kwargs["multiscale"] is False
    assert kwargs["translate"] == (0.0, 0.0, 0.0)


def test_rgb_flag_for_colour_video():
    _, kwargs, _ = video_to_layer(FakeVideo((4, 10, 12, 3)))
    assert kwargs["rgb"] is True


def test_no_video_and_no_edges():
    poses = synthetic_poses().replace(edges=())
    layers = poses_to_layers(poses)
    assert [lt for _, _, lt in layers] == ["points"]
    assert layers[0][1]["name"] == "synthetic keypoints"


def test_points_drop_nan_and_carry_features():
    poses = synthetic_poses()
    data, kwargs, layer_type = poses_to_points(poses)
    finite = np.isfinite(poses.position).all(-1)
    assert layer_type == "points"
    assert data.shape == (finite.sum(), 3)
    assert not np.isnan(data).any()
    features = kwargs["features"]
    assert list(features.columns) == ["individual", "keypoint", "confidence", "frame"]
    assert len(features) == len(data)
    assert set(features["individual"]) == {"m1", "m2"}
    assert (features["frame"].to_numpy() == data[:, 0]).all()
    assert not ((features["frame"] == 2) & (features["individual"] == "m2")).any()
    row = features.index[
        (features["frame"] == 3)
        & (features["individual"] == "m2")
        & (features["keypoint"] == "tail")
    ][0]
    assert features.loc[row, "confidence"] == poses.confidence[3, 1, 2]


def test_keypoint_positions_of_a_frame_equal_the_poses():
    poses = synthetic_poses()
    data, kwargs, _ = poses_to_points(poses)
    features = kwargs["features"]
    for ind, ind_name in enumerate(poses.individuals):
        for kp, kp_name in enumerate(poses.keypoints):
            sel = (
                (features["frame"] == 4)
                & (features["individual"] == ind_name)
                & (features["keypoint"] == kp_name)
            ).to_numpy()
            (y, x) = data[sel, 1:][0]
            assert (x, y) == tuple(poses.position[4, ind, kp])


def test_colours_fixed_per_individual():
    poses = synthetic_poses()
    colors = individual_colors(poses.individuals)
    assert colors == {"m1": PALETTE[0], "m2": PALETTE[1]}
    _, kwargs, _ = poses_to_points(poses)
    assert kwargs["face_color"] == "individual"
    assert kwargs["face_color_cycle"] == colors
    _, skw, _ = poses_to_skeleton(poses)
    assert skw["edge_color"] == "individual" and skw["edge_color_cycle"] == colors
    many = individual_colors([f"track_{i}" for i in range(30)])
    assert many["track_0"] == many[f"track_{len(PALETTE)}"]


def test_skeleton_vectors_drop_nan_edges():
    poses = synthetic_poses()
    data, kwargs, layer_type = poses_to_skeleton(poses)
    assert layer_type == "vectors"
    # 6 frames x 2 animals x 2 edges, minus m1's tail edge in frame 1 and m2 in 2
    assert data.shape == (24 - 1 - 2, 2, 3)
    assert not np.isnan(data).any()
    assert (data[:, 1, 0] == 0).all()  # edges stay inside their frame
    features = kwargs["features"]
    first = features.index[
        (features["frame"] == 0)
        & (features["individual"] == "m2")
        & (features["edge"] == "neck-tail")
    ][0]
    start, direction = data[first]
    np.testing.assert_allclose(start[1:], poses.position[0, 1, 1, ::-1])
    np.testing.assert_allclose(start[1:] + direction[1:], poses.position[0, 1, 2, ::-1])


def test_skeleton_as_shapes():
    poses = synthetic_poses()
    data, kwargs, layer_type = poses_to_skeleton(poses, kind="shapes")
    assert layer_type == "shapes" and kwargs["shape_type"] == "line"
    assert len(data) == 21 and data[0].shape == (2, 3)
    assert all(line[0, 0] == line[1, 0] for line in data)
    with pytest.raises(ValueError, match="kind"):
        poses_to_skeleton(poses, kind="tracks")


def test_frame_offset_on_full_recording():
    """Poses starting at 42150 sit on frame 42150 of the full video."""
    poses = synthetic_poses(start=42150)
    layers = poses_to_layers(poses, video=FakeVideo((50000, 64, 64)))
    assert layers[0][1]["translate"][0] == 0
    points = layers[1][0]
    assert points[:, 0].min() == 42150 and points[:, 0].max() == 42155
    assert layers[2][0][:, 0, 0].min() == 42150


def test_frame_offset_on_clip_translates_image():
    """A clip holding exactly the pose frames is moved onto the pose frames."""
    poses = synthetic_poses(start=42150)
    layers = poses_to_layers(poses, video=FakeVideo((6, 64, 64)))
    assert layers[0][1]["translate"] == (42150.0, 0.0, 0.0)
    explicit = poses_to_layers(poses, video=FakeVideo((6, 64, 64)), video_start=7)
    assert explicit[0][1]["translate"][0] == 7.0


def test_3d_poses_project_on_xy():
    poses = synthetic_poses(space=3)
    data, _, _ = poses_to_points(poses)
    assert data.shape[1] == 3
    np.testing.assert_allclose(data[0, 1:], poses.position[0, 0, 0, 1::-1])


def test_layers_build_in_napari():
    """The tuples are accepted by napari's layer classes (no viewer needed)."""
    layers_module = pytest.importorskip("napari.layers")
    poses = synthetic_poses()
    video = np.zeros((6, 100, 120), np.uint8)
    for data, kwargs, layer_type in poses_to_layers(poses, video=video):
        layer = getattr(layers_module, layer_type.capitalize())(data, **kwargs)
        assert layer.name == kwargs["name"]
    data, kwargs, _ = poses_to_points(poses)
    points = layers_module.Points(data, **kwargs)
    first_m2 = np.flatnonzero(points.features["individual"] == "m2")[0]
    np.testing.assert_allclose(
        points.face_color[first_m2, :3], [0x56 / 255, 0xB4 / 255, 0xE9 / 255]
    )
    assert isinstance(points.features, pd.DataFrame)
