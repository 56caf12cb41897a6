"""Tests of behavert.napari.convert.layers3d and a synthetic 3D recording in 3D view."""

from __future__ import annotations

import numpy as np
import pytest

from behavert.datasets.synthetic_species import generate_synthetic_3d
from behavert.napari.convert.layers3d import (
    poses3d_to_layers,
    poses3d_to_points,
    poses3d_to_skeleton,
)


@pytest.fixture(scope="module")
def poses3d():
    return generate_synthetic_3d(60, seed=2).poses


def test_points_are_frame_z_y_x(poses3d):
    data, kwargs, kind = poses3d_to_points(poses3d)
    assert kind == "points" and kwargs["ndim"] == 4
    n_finite = np.isfinite(poses3d.position).all(-1).sum()
    assert data.shape == (n_finite, 4)
    row = kwargs["features"].iloc[0]
    t = int(row["frame"])
    i = poses3d.individuals.index(row["individual"])
    k = poses3d.keypoints.index(row["keypoint"])
    x, y, z = poses3d.position[t, i, k]
    np.testing.assert_allclose(data[0], [t, z, y, x])


def test_skeleton_vectors_stay_in_their_frame(poses3d):
    data, kwargs, kind = poses3d_to_skeleton(poses3d)
    assert kind == "vectors" and data.shape[1:] == (2, 4)
    assert (data[:, 1, 0] == 0).all()  # no step along time
    feats = kwargs["features"]
    assert len(feats) == len(data)
    first = feats.iloc[0]
    a_name, b_name = str(first["edge"]).split("-")
    t, i = int(first["frame"]), poses3d.individuals.index(first["individual"])
    a, b = poses3d.keypoints.index(a_name), poses3d.keypoints.index(b_name)
    end = data[0, 0] + data[0, 1]
    x, y, z = poses3d.position[t, i, b]
    np.testing.assert_allclose(end, [t, z, y, x])
    x, y, z = poses3d.position[t, i, a]
    np.testing.assert_allclose(data[0, 0], [t, z, y, x])


def test_layers_and_2d_refusal(poses3d):
    layers = poses3d_to_layers(poses3d, name="mice")
    assert [k["name"] for _, k, _ in layers] == [
        "mice floor",
        "mice keypoints 3D",
        "mice skeleton 3D",
    ]
    floor, kwargs, _ = layers[0]
    assert kwargs["ndim"] == 3 and (floor[:, :, 0] == 0).all()  # z = 0, no depth
    flat = poses3d.replace(position=poses3d.position[..., :2])
    with pytest.raises(ValueError, match="2D"):
        poses3d_to_points(flat)
    no_edges = poses3d.replace(edges=())
    assert len(poses3d_to_layers(no_edges, floor=False)) == 1


@pytest.mark.gui
def test_3d_view_shows_the_skeleton(make_napari_viewer, poses3d, screenshot):
    viewer = make_napari_viewer(show=True)
    for data, kwargs, layer_type in poses3d_to_layers(poses3d, name="synthetic 3D"):
        getattr(viewer, f"add_{layer_type}")(data, **kwargs)
    viewer.dims.ndisplay = 3
    assert viewer.dims.ndim == 4
    frame = 20  # the resident rears (labels == rearing from frame 0)
    viewer.dims.set_current_step(0, frame)
    viewer.reset_view()
    x, y, z = np.nanmean(poses3d.position[frame].reshape(-1, 3), axis=0)
    viewer.scene.camera.center = (z, y, x)
    viewer.scene.camera.angles = (-25.0, 40.0, 120.0)
    viewer.scene.camera.zoom *= 2.0
    image = screenshot(viewer, "pose3d.png")
    skeleton = viewer.layers["synthetic 3D skeleton 3D"]
    assert skeleton.data.shape[1:] == (2, 4)
    # both animals' colours are drawn (orange resident, blue intruder)
    rgb = image[..., :3].astype(int)
    orange = (np.abs(rgb - [230, 159, 0]).sum(-1) < 60).sum()
    blue = (np.abs(rgb - [86, 180, 233]).sum(-1) < 60).sum()
    assert orange > 30 and blue > 30, (orange, blue)
