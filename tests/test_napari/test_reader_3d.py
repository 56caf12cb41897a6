"""3D poses through the npe2 reader (behavert.napari._reader.layers_for_poses)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from behavert.datasets.synthetic_species import generate_synthetic_3d
from behavert.napari._reader import layers_for_poses, napari_get_reader


@pytest.fixture(scope="module")
def poses3d():
    """First animal of a short synthetic 3D recording."""
    return generate_synthetic_3d(40, seed=1).poses


def _write_anipose(path, poses) -> pd.DataFrame:
    """An Anipose-style 3D CSV of the first individual (synthetic)."""
    data: dict[str, np.ndarray] = {}
    n = poses.n_frames
    for k, name in enumerate(poses.keypoints):
        for c, axis in enumerate("xyz"):
            data[f"{name}_{axis}"] = poses.position[:, 0, k, c]
        data[f"{name}_error"] = np.zeros(n)
        data[f"{name}_ncams"] = np.full(n, 2)
        data[f"{name}_score"] = np.ones(n)
    for i in range(3):
        for j in range(3):
            data[f"M_{i}{j}"] = np.eye(3)[i, j] * np.ones(n)
    for i in range(3):
        data[f"center_{i}"] = np.zeros(n)
    data["fnum"] = np.arange(n)
    df = pd.DataFrame(data)
    df.to_csv(path, index=False)
    return df


def test_layers_for_3d_poses_are_frame_z_y_x(poses3d):
    layers = layers_for_poses(poses3d)
    assert "image" not in [kind for _, _, kind in layers]
    (points,) = [d for d, kw, _ in layers if kw["name"].endswith("keypoints 3D")]
    assert points.shape[1] == 4
    n_finite = np.isfinite(poses3d.position).all(-1).sum()
    assert len(points) == n_finite
    (skeleton,) = [d for d, kw, _ in layers if kw["name"].endswith("skeleton 3D")]
    assert skeleton.shape[1:] == (2, 4)


def test_reader_opens_anipose_csv_in_3d(tmp_path, poses3d):
    path = tmp_path / "synthetic_3d_anipose.csv"
    df = _write_anipose(path, poses3d)
    reader = napari_get_reader(str(path))
    assert callable(reader)
    layers = reader(str(path))
    (points, kwargs, _) = [
        layer for layer in layers if layer[2] == "points" and layer[1]["ndim"] == 4
    ][0]
    assert kwargs["metadata"]["poses"].n_space == 3
    feats = kwargs["features"]
    row = feats.iloc[0]
    t = int(row["frame"])
    name = str(row["keypoint"])
    x, y, z = df.loc[t, [f"{name}_x", f"{name}_y", f"{name}_z"]]
    np.testing.assert_allclose(points[0], [t, z, y, x])
    assert any(kw["name"].endswith("skeleton 3D") for _, kw, _ in layers)


@pytest.mark.gui
def test_3d_file_in_viewer(make_napari_viewer, tmp_path, poses3d):
    path = tmp_path / "synthetic_3d_anipose.csv"
    _write_anipose(path, poses3d)
    viewer = make_napari_viewer()
    viewer.open(str(path), plugin="napari-behavert")
    viewer.dims.ndisplay = 3
    names = [layer.name for layer in viewer.layers]
    assert any(n.endswith("keypoints 3D") for n in names)
    assert any(n.endswith("skeleton 3D") for n in names)
    assert viewer.dims.ndim == 4
