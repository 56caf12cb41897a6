"""FrameWindow through the viewer a dock gets (napari's public-only proxy).

A dock opened from the plugin menu holds a ``PublicOnlyProxy`` of the viewer:
reading a private attribute through it (``layer._type_string``) warns with a
FutureWarning, an error in the ``gui`` tests (tests/test_napari/conftest.py).
"""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.gui


def test_long_layer_windowed_through_a_docks_viewer(make_napari_viewer):
    from behavert.napari.frame_window import ensure_frame_window

    viewer = make_napari_viewer()
    _, dock = viewer.window.add_plugin_dock_widget(
        "napari-behavert", "Annotate behaviour"
    )
    proxy = dock._viewer  # what napari handed the dock
    assert proxy is not viewer
    frames = np.repeat(np.arange(500), 4).astype(float)
    data = np.column_stack([frames, frames % 50, frames % 70])
    proxy.add_points(data, name="long")
    proxy.add_image(np.zeros((500, 8, 8)), name="image")
    long = proxy.layers["long"]
    window = ensure_frame_window(proxy, long, min_rows=1000, half_width=50)
    assert window is not None and window.n_rows == 2000
    assert ensure_frame_window(proxy, proxy.layers["image"], min_rows=1) is None
    viewer.dims.set_point(0, 400)  # the slider: the layer holds frames 350-450
    shown = np.unique(viewer.layers["long"].data[:, 0])
    assert shown.tolist() == [0, *range(350, 451), 499]  # + first and last row
