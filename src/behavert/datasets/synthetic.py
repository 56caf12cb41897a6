"""Synthetic two-mouse resident-intruder recordings with known behaviour labels.

Everything here is synthetic: the module, the function names and the poses'
``source`` and ``metadata["synthetic"]`` say so. A resident (``"resident"``) and an
intruder (``"intruder"``) with 12 keypoints move in a square arena; the resident's
behaviour follows a seeded semi-Markov bout script (:data:`BEHAVIOURS`), and the
``"ko"`` genotype has about a quarter of the ``"wt"`` share of ``nose_to_nose``
frames while approach stays normal (the Shank3B pattern).

Examples
--------
>>> from behavert.datasets.synthetic import generate_synthetic
>>> rec = generate_synthetic(300, genotype="ko", seed=1)
>>> rec.poses.position.shape
(300, 2, 12, 2)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..io.poses import Poses
from .synthetic_behaviours import BEHAVIOURS, bout_script, simulate
from .synthetic_render import EDGES, KEYPOINTS, body_keypoints, render_frames

INDIVIDUALS = ("resident", "intruder")
GENOTYPES = ("wt", "ko")

__all__ = [
    "BEHAVIOURS",
    "EDGES",
    "GENOTYPES",
    "INDIVIDUALS",
    "KEYPOINTS",
    "SyntheticRecording",
    "generate_synthetic",
    "labels_frame",
    "make_synthetic_dataset",
    "render_video",
]


@dataclass(frozen=True, eq=False)
class SyntheticRecording:
    """One synthetic recording and its ground truth.

    Attributes
    ----------
    poses
        Keypoints, ``position (time, individual, keypoint, space)``, source
        ``"synthetic"``.
    labels
        ``(time,)`` int index into :attr:`behaviours` (the resident's behaviour).
    behaviours
        Behaviour names.
    genotype
        ``"wt"`` or ``"ko"``.
    video
        ``(time, height, width)`` uint8 frames, or None when not rendered.
    seed
        The seed that reproduces this recording.
    """

    poses: Poses
    labels: np.ndarray
    behaviours: tuple[str, ...]
    genotype: str
    video: np.ndarray | None
    seed: int

    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return self.poses.n_frames


def generate_synthetic(
    n_frames: int = 1800,
    *,
    genotype: str = "wt",
    seed: int = 0,
    fps: float = 30.0,
    render_video: bool = False,
    image_size: int = 256,
    arena_size: float | None = None,
    missing_rate: float = 0.01,
    noise: float = 0.5,
) -> SyntheticRecording:
    """Generate one synthetic resident-intruder recording.

    Parameters
    ----------
    n_frames
        Number of frames.
    genotype
        ``"wt"`` or ``"ko"`` (``ko``: about 1/4 of the wt share of nose_to_nose).
    seed
        Seed of the numpy Generator; equal arguments give identical recordings.
    fps
        Frames per second.
    render_video
        Also draw grey frames (``video``); off by default (it costs ~1 ms/frame).
    image_size
        Side of the rendered frames in pixels.
    arena_size
        Side of the square arena in pose units (pixels); default ``image_size``,
        so keypoints are pixel coordinates of the rendered frames.
    missing_rate
        Fraction of keypoints set to NaN (position and confidence).
    noise
        Standard deviation of the keypoint jitter in pixels.

    Returns
    -------
    SyntheticRecording
        Poses ``(time, 2 individuals, 12 keypoints, 2)``, labels ``(time,)``.
    """
    if genotype not in GENOTYPES:
        raise ValueError(f"genotype must be one of {GENOTYPES}, got {genotype!r}")
    if int(n_frames) < 1:
        raise ValueError(f"n_frames must be positive, got {n_frames}")
    if not 0.0 <= missing_rate < 1.0:
        raise ValueError(f"missing_rate must be in [0, 1), got {missing_rate}")
    n_frames = int(n_frames)
    arena = float(arena_size if arena_size is not None else image_size)
    body = arena / 6.0
    rng = np.random.default_rng(seed)
    behaviour, start, stop = bout_script(n_frames, fps, genotype, rng)
    labels = np.repeat(behaviour, stop - start)
    resident, intruder = simulate(
        behaviour, start, stop, fps=fps, arena_size=arena, body=body, rng=rng
    )
    clean = np.stack(
        [
            body_keypoints(resident, body, fps, phase=0.0),
            body_keypoints(intruder, body, fps, phase=2.0),
        ],
        axis=1,
    )
    position = clean + rng.normal(0.0, noise, size=clean.shape)
    confidence = rng.uniform(0.8, 1.0, size=clean.shape[:3])
    missing = rng.random(clean.shape[:3]) < missing_rate
    position[missing] = np.nan
    confidence[missing] = np.nan
    poses = Poses(
        position=position,
        confidence=confidence,
        keypoints=KEYPOINTS,
        individuals=INDIVIDUALS,
        edges=EDGES,
        fps=fps,
        source="synthetic",
        metadata={
            "synthetic": True,
            "genotype": genotype,
            "seed": seed,
            "arena_size": arena,
            "body_length": body,
            "behaviours": BEHAVIOURS,
        },
    )
    video = render_frames(clean, image_size, arena) if render_video else None
    return SyntheticRecording(
        poses=poses,
        labels=labels,
        behaviours=BEHAVIOURS,
        genotype=genotype,
        video=video,
        seed=seed,
    )


def render_video(
    poses: Poses, image_size: int = 256, *, arena_size: float | None = None
) -> np.ndarray:
    """Draw grey frames of a light arena with the two synthetic mice.

    Parameters
    ----------
    poses
        Synthetic poses (the 12 synthetic keypoints); NaN parts are not drawn.
    image_size
        Frame side in pixels.
    arena_size
        Arena side in pose units; default ``poses.metadata["arena_size"]`` or
        ``image_size``.

    Returns
    -------
    numpy.ndarray
        ``(time, height, width)`` uint8 frames.
    """
    arena = arena_size or poses.metadata.get("arena_size") or image_size
    return render_frames(poses.position, image_size, arena)


def make_synthetic_dataset(
    n_recordings: int, n_frames: int = 1800, seed: int = 0, **kwargs
) -> list[SyntheticRecording]:
    """Generate recordings with alternating genotypes (wt, ko, wt, ...).

    Parameters
    ----------
    n_recordings
        Number of recordings; an even number gives balanced genotypes.
    n_frames
        Frames per recording.
    seed
        Seed from which each recording's own seed is derived.
    **kwargs
        Passed to :func:`generate_synthetic`.

    Returns
    -------
    list of SyntheticRecording
    """
    seeds = np.random.SeedSequence(seed).generate_state(max(n_recordings, 1))
    return [
        generate_synthetic(
            n_frames, genotype=GENOTYPES[i % 2], seed=int(seeds[i]), **kwargs
        )
        for i in range(n_recordings)
    ]


def labels_frame(rec: SyntheticRecording):
    """Behaviour labels as a table, ready for ``to_csv(index=False)``.

    Returns
    -------
    pandas.DataFrame
        ``(time, 1 + behaviour)``: a ``frame`` column (``poses.frame_index``) and
        one 0/1 int column per behaviour.
    """
    import pandas as pd

    onehot = (rec.labels[:, None] == np.arange(len(rec.behaviours))).astype(np.int64)
    table = pd.DataFrame(onehot, columns=list(rec.behaviours))
    table.insert(0, "frame", np.asarray(rec.poses.frame_index))
    return table
