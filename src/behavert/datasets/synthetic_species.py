"""Synthetic recordings of other skeletons: a rat-like species and 3D mice.

Everything here is synthetic (``source="synthetic"``,
``metadata["synthetic"] = True``). Both generators reuse the body motion and
behaviour script of :mod:`behavert.datasets.synthetic` and then re-describe
the animals:

* :func:`generate_synthetic_rat` -- a rat-like skeleton of 11 keypoints with
  other names (``Snout``, ``Ear_left``, ``Spine1``, ``TailRoot``...), no paws,
  extra hips and head, and a body 1.8 times larger in pixels, for transfer
  across skeletons;
* :func:`generate_synthetic_3d` -- the 12 mouse keypoints with a height ``z``
  (rearing lifts the head and forepaws), for 3D loading, tokenizing and
  viewing.
"""

from __future__ import annotations

import numpy as np

from ..io.poses import Poses
from .synthetic import (
    EDGES,
    INDIVIDUALS,
    KEYPOINTS,
    SyntheticRecording,
    generate_synthetic,
)

__all__ = [
    "RAT_EDGES",
    "RAT_INDIVIDUALS",
    "RAT_KEYPOINTS",
    "generate_synthetic_3d",
    "generate_synthetic_rat",
    "rat_dataset",
]

RAT_KEYPOINTS = (
    "Snout",
    "Ear_left",
    "Ear_right",
    "Head",
    "Neck",
    "Spine1",
    "Spine2",
    "Hip_L",
    "Hip_R",
    "TailRoot",
    "TailEnd",
)
_RAT_EDGE_NAMES = (
    ("Snout", "Head"),
    ("Head", "Ear_left"),
    ("Head", "Ear_right"),
    ("Head", "Neck"),
    ("Neck", "Spine1"),
    ("Spine1", "Spine2"),
    ("Spine2", "Hip_L"),
    ("Spine2", "Hip_R"),
    ("Spine2", "TailRoot"),
    ("TailRoot", "TailEnd"),
)
RAT_EDGES = tuple(
    (RAT_KEYPOINTS.index(a), RAT_KEYPOINTS.index(b)) for a, b in _RAT_EDGE_NAMES
)
RAT_INDIVIDUALS = ("rat_a", "rat_b")
#: rat body length / mouse body length, in pixels
RAT_SCALE = 1.8
_K = {name: i for i, name in enumerate(KEYPOINTS)}
# height of each mouse keypoint at rest and its extra lift when fully reared,
# in body lengths
_Z_REST = np.array([0.15, 0.25, 0.25, 0.25, 0.0, 0.0, 0.3, 0.0, 0.0, 0.2, 0.05, 0.0])
_Z_REAR = np.array([0.9, 0.85, 0.85, 0.7, 0.55, 0.55, 0.35, 0.0, 0.0, 0.05, 0.0, 0.0])


def _noisy(clean, rng, noise, missing_rate):
    """Add jitter and NaN holes; return (position, confidence)."""
    position = clean + rng.normal(0.0, noise, size=clean.shape)
    confidence = rng.uniform(0.8, 1.0, size=clean.shape[:3])
    missing = rng.random(clean.shape[:3]) < missing_rate
    position[missing] = np.nan
    confidence[missing] = np.nan
    return position, confidence


def _rat_points(mouse: np.ndarray) -> np.ndarray:
    """``(time, individual, 12, 2)`` mouse points -> ``(time, individual, 11, 2)``."""

    def k(name):
        return mouse[:, :, _K[name]]

    snout = k("nose") + 0.3 * (k("nose") - k("neck"))
    head = (k("nose") + k("left_ear") + k("right_ear")) / 3
    spine1 = 0.5 * (k("neck") + k("spine"))
    spine2 = 0.5 * (k("spine") + k("tail_base"))
    hip_l = 0.5 * (k("left_hindpaw") + k("spine"))
    hip_r = 0.5 * (k("right_hindpaw") + k("spine"))
    parts = [
        snout,
        k("left_ear"),
        k("right_ear"),
        head,
        k("neck"),
        spine1,
        spine2,
        hip_l,
        hip_r,
        k("tail_base"),
        k("tail_tip"),
    ]
    return np.stack(parts, axis=2)


def generate_synthetic_rat(
    n_frames: int = 1800,
    *,
    genotype: str = "wt",
    seed: int = 0,
    fps: float = 30.0,
    noise: float = 0.9,
    missing_rate: float = 0.01,
) -> SyntheticRecording:
    """A synthetic two-rat recording with a rat-like skeleton.

    Parameters
    ----------
    n_frames, genotype, seed, fps
        As in :func:`~behavert.datasets.synthetic.generate_synthetic` (the
        motion and behaviour script are the mouse generator's).
    noise
        Keypoint jitter in pixels (after scaling to the rat's size).
    missing_rate
        Fraction of keypoints set to NaN.

    Returns
    -------
    SyntheticRecording
        Poses ``(time, 2 individuals, 11 keypoints, 2)`` with
        :data:`RAT_KEYPOINTS`, individuals :data:`RAT_INDIVIDUALS`, source
        ``"synthetic"``; ``labels (time,)`` of the first rat.
    """
    mouse = generate_synthetic(
        n_frames, genotype=genotype, seed=seed, fps=fps, noise=0.0, missing_rate=0.0
    )
    arena = float(mouse.poses.metadata["arena_size"]) * RAT_SCALE
    clean = _rat_points(np.asarray(mouse.poses.position)) * RAT_SCALE
    rng = np.random.default_rng([seed, 7])
    position, confidence = _noisy(clean, rng, noise, missing_rate)
    poses = Poses(
        position=position,
        confidence=confidence,
        keypoints=RAT_KEYPOINTS,
        individuals=RAT_INDIVIDUALS,
        edges=RAT_EDGES,
        fps=fps,
        source="synthetic",
        metadata={
            "synthetic": True,
            "species": "rat-like",
            "genotype": genotype,
            "seed": seed,
            "arena_size": arena,
            "body_length": float(mouse.poses.metadata["body_length"]) * RAT_SCALE,
            "behaviours": mouse.behaviours,
        },
    )
    return SyntheticRecording(
        poses=poses,
        labels=mouse.labels,
        behaviours=mouse.behaviours,
        genotype=genotype,
        video=None,
        seed=seed,
    )


def rat_dataset(
    n_recordings: int, n_frames: int = 1800, seed: int = 0, **kwargs
) -> list[SyntheticRecording]:
    """``n_recordings`` synthetic rat recordings with derived seeds (wt, ko, ...)."""
    seeds = np.random.SeedSequence([seed, 1]).generate_state(max(n_recordings, 1))
    return [
        generate_synthetic_rat(
            n_frames, genotype=("wt", "ko")[i % 2], seed=int(seeds[i]), **kwargs
        )
        for i in range(n_recordings)
    ]


def _rear_weight(mouse: np.ndarray, body: float) -> np.ndarray:
    """``(time, individual)`` rearing weight in [0, 1] from the body shortening.

    The mouse body model shortens the projected nose-to-tail-base distance
    by about ``0.43 * rear`` body lengths.
    """
    d = np.linalg.norm(mouse[:, :, _K["nose"]] - mouse[:, :, _K["tail_base"]], axis=-1)
    return np.clip((1.0 - d / body) / 0.43, 0.0, 1.0)


def generate_synthetic_3d(
    n_frames: int = 600,
    *,
    seed: int = 0,
    fps: float = 30.0,
    noise: float = 0.5,
    missing_rate: float = 0.01,
) -> SyntheticRecording:
    """Synthetic two-mouse recording in 3D (``x, y`` on the floor, ``z`` up).

    Parameters
    ----------
    n_frames, seed, fps
        As in :func:`~behavert.datasets.synthetic.generate_synthetic`.
    noise
        Keypoint jitter in pixels on every axis.
    missing_rate
        Fraction of keypoints set to NaN.

    Returns
    -------
    SyntheticRecording
        Poses ``(time, 2 individuals, 12 keypoints, 3)`` with the mouse
        keypoints; ``z`` is the height above the floor (rearing lifts the head
        and forepaws up to about 0.9 body lengths).
    """
    mouse = generate_synthetic(
        n_frames, seed=seed, fps=fps, noise=0.0, missing_rate=0.0
    )
    xy = np.asarray(mouse.poses.position)
    body = float(mouse.poses.metadata["body_length"])
    rear = _rear_weight(xy, body)
    z = body * (_Z_REST + rear[..., None] * _Z_REAR)
    clean = np.concatenate([xy, z[..., None]], axis=-1)
    rng = np.random.default_rng([seed, 3])
    position, confidence = _noisy(clean, rng, noise, missing_rate)
    metadata = dict(mouse.poses.metadata)
    metadata.update(synthetic=True, space="xyz, z up")
    poses = Poses(
        position=position,
        confidence=confidence,
        keypoints=KEYPOINTS,
        individuals=INDIVIDUALS,
        edges=EDGES,
        fps=fps,
        source="synthetic",
        metadata=metadata,
    )
    return SyntheticRecording(
        poses=poses,
        labels=mouse.labels,
        behaviours=mouse.behaviours,
        genotype=mouse.genotype,
        video=None,
        seed=seed,
    )
