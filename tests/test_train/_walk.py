"""Synthetic random-walk poses for the training tests and their subprocesses."""

from __future__ import annotations

import numpy as np

from behavert.io.poses import Poses

KEYPOINTS = ("nose", "left_ear", "right_ear", "neck", "tail_base")


def synthetic_walk_poses(n_frames: int = 300, seed: int = 0) -> Poses:
    """Two animals doing a seeded random walk (synthetic)."""
    rng = np.random.default_rng(seed)
    centre = np.cumsum(rng.normal(0, 2.0, (n_frames, 2, 1, 2)), axis=0) + 100.0
    offsets = np.array([[0, 10], [-4, 6], [4, 6], [0, 3], [0, -10]], float)
    position = centre + offsets[None, None] + rng.normal(0, 0.5, (n_frames, 2, 5, 2))
    return Poses(
        position=position,
        confidence=np.ones((n_frames, 2, 5)),
        keypoints=KEYPOINTS,
        individuals=("resident", "intruder"),
        edges=((0, 3), (3, 4)),
        fps=30.0,
        source="synthetic",
    )


def synthetic_walk_labels(poses: Poses) -> np.ndarray:
    """(time,) int labels derived from the poses: 1 where the animals are close."""
    d = np.linalg.norm(poses.position[:, 0, 0] - poses.position[:, 1, 0], axis=-1)
    return (d < np.median(d)).astype(np.int64)
