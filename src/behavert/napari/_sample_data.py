"""npe2 sample data: a synthetic two-mouse recording (works offline)."""

from __future__ import annotations

from ..datasets.synthetic import generate_synthetic
from .convert.layers import poses_to_layers

__all__ = ["make_synthetic_sample"]

#: Frames of the sample: 20 s at 30 fps, rendered in well under a second.
N_FRAMES = 600


def make_synthetic_sample(n_frames: int = N_FRAMES) -> list[tuple]:
    """Return video, keypoint and skeleton layers of a synthetic recording.

    The recording is ``generate_synthetic(n_frames, render_video=True, seed=0)``:
    two mice (resident, intruder) with 12 keypoints each on rendered grey
    ``(time, height, width)`` frames. Each frame's behaviour label is stored in
    the keypoints layer's metadata (``"labels"``, ``"behaviours"``).
    """
    rec = generate_synthetic(n_frames=n_frames, render_video=True, seed=0)
    layers = poses_to_layers(rec.poses, video=rec.video, name="synthetic")
    for _, kwargs, layer_type in layers:
        if layer_type == "points":
            kwargs["metadata"].update(labels=rec.labels, behaviours=rec.behaviours)
    return layers
