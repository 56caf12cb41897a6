"""``set_layer`` through the viewer napari gives a dock (a ``PublicOnlyProxy``)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytestmark = pytest.mark.gui


def test_set_layer_updates_in_place_through_the_docks_viewer(make_napari_viewer):
    """A re-run updates the same layer, without napari's private-access warning.

    napari hands plugin docks a proxy of the viewer that warns (FutureWarning)
    on private attributes; ``Points._type_string`` was read on every update.
    """
    from napari.utils._proxies import PublicOnlyProxy

    from behavert.napari.widgets._common import set_layer

    viewer = make_napari_viewer()
    proxy = PublicOnlyProxy(viewer)
    kwargs = {"name": "motifs", "ndim": 3, "size": 4}
    set_layer(proxy, (np.zeros((3, 3)), kwargs, "points"))
    layer = viewer.layers["motifs"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        set_layer(proxy, (np.ones((5, 3)), kwargs, "points"))
    assert viewer.layers["motifs"] is layer  # updated in place, not replaced
    assert len(viewer.layers) == 1 and layer.data.shape == (5, 3)
    set_layer(proxy, (np.zeros((2, 2, 3)), {"name": "motifs", "ndim": 3}, "vectors"))
    assert viewer.layers["motifs"].__class__.__name__ == "Vectors"  # replaced
