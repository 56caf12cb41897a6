"""Pure converters: poses and analysis results -> napari ``(data, kwargs, type)``.

No viewer and no napari import (tested without Qt), like ``ds_to_napari_layers``
in ``movement/napari/convert.py``:

- :mod:`.layers`: 2D poses -> video, keypoints and skeleton layers;
- :mod:`.layers3d`: 3D poses -> ``(frame, z, y, x)`` layers and a floor;
- :mod:`.overlays`: frame attention and motifs on the keypoints;
- :mod:`.behaviour`: predicted or annotated behaviour per frame.
"""

from .behaviour import annotations_to_layer, behaviour_to_layer, prediction_to_layer
from .layers import poses_to_layers, poses_to_points, poses_to_skeleton, video_to_layer
from .layers3d import floor_to_layer, poses3d_to_layers
from .overlays import (
    attention_scale,
    attention_style,
    attention_to_layer,
    motifs_to_layer,
    show_colorbar,
)

__all__ = [
    "annotations_to_layer",
    "attention_scale",
    "attention_style",
    "attention_to_layer",
    "behaviour_to_layer",
    "floor_to_layer",
    "motifs_to_layer",
    "poses3d_to_layers",
    "poses_to_layers",
    "poses_to_points",
    "poses_to_skeleton",
    "prediction_to_layer",
    "show_colorbar",
    "video_to_layer",
]
