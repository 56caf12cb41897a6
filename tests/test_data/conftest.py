"""Synthetic random-walk poses built in memory for the data tests."""

from __future__ import annotations

import numpy as np
import pytest

from behavert.io.poses import Poses

KEYPOINTS = (
    "nose", "left_ear", "right_ear", "neck", "spine", "left_hip", "right_hip",
    "tail_base", "tail_tip",
)  # fmt: skip


def random_walk_poses(
    n_frames: int = 200,
    n_individuals: int = 2,
    n_space: int = 2,
    seed: int = 42,
    keypoints: tuple[str, ...] = KEYPOINTS,
    missing: float = 0.0,
) -> Poses:
    """Synthetic animals: a rigid body shape on a random walk, turning slowly."""
    rng = np.random.default_rng(seed)
    n_kp = len(keypoints)
    body = np.zeros((n_kp, n_space))
    body[:, 0] = np.linspace(4.0, -4.0, n_kp)
    body[:, 1] = rng.normal(0.0, 0.5, n_kp)
    if n_space == 3:
        body[:, 2] = rng.normal(1.0, 0.3, n_kp)
    position = np.zeros((n_frames, n_individuals, n_kp, n_space))
    for a in range(n_individuals):
        centre = np.cumsum(rng.normal(0, 0.7, (n_frames, n_space)), 0)
        centre += rng.normal(0, 30, n_space)
        angle = np.cumsum(rng.normal(0, 0.1, n_frames)) + rng.uniform(0, 6.3)
        cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
        bx, by = body[None, :, 0], body[None, :, 1]
        position[:, a, :, 0] = cos * bx - sin * by + centre[:, None, 0]
        position[:, a, :, 1] = sin * bx + cos * by + centre[:, None, 1]
        if n_space == 3:
            position[:, a, :, 2] = body[None, :, 2] + centre[:, None, 2]
    if missing:
        position[rng.random(position.shape[:3]) < missing] = np.nan
    return Poses(
        position=position,
        confidence=np.ones(position.shape[:3]),
        keypoints=keypoints,
        individuals=tuple(f"mouse{i}" for i in range(n_individuals)),
        fps=30.0,
        source="synthetic",
    )


@pytest.fixture
def make_poses():
    """The ``random_walk_poses`` factory (synthetic poses)."""
    return random_walk_poses


@pytest.fixture
def poses() -> Poses:
    """Two synthetic 2D animals, 200 frames, 9 keypoints, 3 % missing points."""
    return random_walk_poses(missing=0.03)
