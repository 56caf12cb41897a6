"""Tests for behavert.napari._sample_data (offline synthetic sample)."""

from __future__ import annotations

import numpy as np
import pytest

from behavert.napari._sample_data import make_synthetic_sample


def test_sample_layers_are_aligned():
    layers = make_synthetic_sample(n_frames=40)
    assert [lt for _, _, lt in layers] == ["image", "points", "vectors"]
    video, points = layers[0][0], layers[1][0]
    assert video.shape[0] == 40 and video.dtype == np.uint8
    assert points[:, 0].min() == 0 and points[:, 0].max() == 39
    assert set(layers[1][1]["features"]["individual"]) == {"resident", "intruder"}
    # keypoints sit on the drawn mice: darker/brighter than the arena background
    t, y, x = np.round(points).astype(int).T
    inside = (y >= 0) & (y < video.shape[1]) & (x >= 0) & (x < video.shape[2])
    on_mice = video[t[inside], y[inside], x[inside]].astype(float)
    background = np.median(video[0])
    assert np.mean(np.abs(on_mice - background) > 10) > 0.5
    assert len(layers[1][1]["metadata"]["labels"]) == 40


@pytest.mark.gui
def test_sample_in_viewer(make_napari_viewer, screenshot):
    viewer = make_napari_viewer(show=True)
    viewer.open_sample("napari-behavert", "synthetic")
    assert [layer.name for layer in viewer.layers] == [
        "synthetic video",
        "synthetic keypoints",
        "synthetic skeleton",
    ]
    viewer.dims.set_point(0, 120)
    viewer.reset_view()
    shot = screenshot(viewer, "synthetic_sample.png")
    assert shot[..., :3].std() > 5
