"""The pose container shared by every part of behavert."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True, eq=False)
class Poses:
    """Tracked keypoints of one recording.

    Attributes
    ----------
    position
        ``(time, individual, keypoint, space)`` float array; NaN where a point is
        missing. ``space`` is 2 (x, y) or 3 (x, y, z). Axis order matches
        ``sleap_io.Labels.numpy()``.
    confidence
        ``(time, individual, keypoint)`` float array (likelihood / point score);
        NaN where missing, 1.0 where the file stores no confidence.
    keypoints
        Keypoint (body part / node) names, one per ``keypoint`` index.
    individuals
        Individual (animal / track) names, one per ``individual`` index.
    edges
        Skeleton edges as pairs of keypoint indices.
    fps
        Frames per second, or None when unknown.
    video
        Path of the recording these poses belong to, or None.
    source
        Which reader produced the poses (e.g. ``"dlc"``, ``"sleap"``,
        ``"sleap_analysis"``, ``"synthetic"``).
    frame_index
        ``(time,)`` int array of the original frame numbers.
    path
        The pose file that was read, or None for poses made in memory.
    """

    position: np.ndarray
    confidence: np.ndarray
    keypoints: tuple[str, ...]
    individuals: tuple[str, ...]
    edges: tuple[tuple[int, int], ...] = ()
    fps: float | None = None
    video: Path | None = None
    source: str = "unknown"
    frame_index: np.ndarray | None = None
    path: Path | None = None
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        position = np.asarray(self.position, dtype=np.float64)
        if position.ndim != 4:
            raise ValueError(
                "position must be (time, individual, keypoint, space), "
                f"got shape {position.shape}"
            )
        n_time, n_ind, n_kp, n_space = position.shape
        if n_space not in (2, 3):
            raise ValueError(f"space must have size 2 or 3, got {n_space}")
        confidence = np.asarray(self.confidence, dtype=np.float64)
        if confidence.shape != position.shape[:3]:
            raise ValueError(
                f"confidence shape {confidence.shape} does not match position "
                f"(time, individual, keypoint) {position.shape[:3]}"
            )
        keypoints = tuple(str(k) for k in self.keypoints)
        individuals = tuple(str(i) for i in self.individuals)
        if len(keypoints) != n_kp:
            raise ValueError(f"{len(keypoints)} keypoint names for {n_kp} keypoints")
        if len(individuals) != n_ind:
            raise ValueError(
                f"{len(individuals)} individual names for {n_ind} individuals"
            )
        edges = tuple((int(a), int(b)) for a, b in self.edges)
        for a, b in edges:
            if not (0 <= a < n_kp and 0 <= b < n_kp):
                raise ValueError(f"edge ({a}, {b}) refers to a missing keypoint")
        if self.frame_index is None:
            frame_index = np.arange(n_time, dtype=np.int64)
        else:
            frame_index = np.asarray(self.frame_index, dtype=np.int64)
            if frame_index.shape != (n_time,):
                raise ValueError(
                    f"frame_index shape {frame_index.shape} != ({n_time},)"
                )
        position.setflags(write=False)
        confidence.setflags(write=False)
        frame_index.setflags(write=False)
        set_ = object.__setattr__
        set_(self, "position", position)
        set_(self, "confidence", confidence)
        set_(self, "keypoints", keypoints)
        set_(self, "individuals", individuals)
        set_(self, "edges", edges)
        set_(self, "frame_index", frame_index)
        set_(self, "fps", None if self.fps is None else float(self.fps))
        set_(self, "video", None if self.video is None else Path(self.video))
        set_(self, "path", None if self.path is None else Path(self.path))

    # ------------------------------------------------------------------ shape
    @property
    def n_frames(self) -> int:
        """Number of frames (``time`` axis)."""
        return self.position.shape[0]

    @property
    def n_individuals(self) -> int:
        """Number of individuals."""
        return self.position.shape[1]

    @property
    def n_keypoints(self) -> int:
        """Number of keypoints per individual."""
        return self.position.shape[2]

    @property
    def n_space(self) -> int:
        """2 for (x, y), 3 for (x, y, z)."""
        return self.position.shape[3]

    @property
    def edge_names(self) -> list[tuple[str, str]]:
        """Skeleton edges as pairs of keypoint names."""
        return [(self.keypoints[a], self.keypoints[b]) for a, b in self.edges]

    def __repr__(self) -> str:
        name = self.path.name if self.path else self.source
        return (
            f"Poses({name!r}: {self.n_frames} frames, "
            f"individuals={list(self.individuals)}, "
            f"{self.n_keypoints} keypoints, {self.n_space}D, fps={self.fps})"
        )

    # ------------------------------------------------------------ derivations
    def replace(self, **changes) -> Poses:
        """Return a copy with some fields replaced (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    def with_likelihood_threshold(self, threshold: float | None) -> Poses:
        """Return poses where points with confidence below ``threshold`` are NaN."""
        if threshold is None:
            return self
        low = ~(self.confidence >= threshold)  # NaN confidence counts as low
        position = self.position.copy()
        position[low] = np.nan
        confidence = self.confidence.copy()
        confidence[low] = np.nan
        return self.replace(position=position, confidence=confidence)

    def select_frames(self, frames: slice | Sequence[int] | np.ndarray) -> Poses:
        """Return poses restricted to some frames (positions along ``time``)."""
        return self.replace(
            position=self.position[frames],
            confidence=self.confidence[frames],
            frame_index=self.frame_index[frames],
        )

    def select_individuals(self, individuals: Sequence[str | int]) -> Poses:
        """Return poses restricted to the given individuals (names or indices)."""
        idx = [
            self.individuals.index(i) if isinstance(i, str) else int(i)
            for i in individuals
        ]
        return self.replace(
            position=self.position[:, idx],
            confidence=self.confidence[:, idx],
            individuals=tuple(self.individuals[i] for i in idx),
        )


def recording_name(poses: Poses, i: int) -> str:
    """A recording's name in tables and output file names: its file stem.

    Poses made in memory (no ``path``) are ``recording<i>``, ``i`` being the
    recording's position in the list the caller processes.
    """
    return Path(poses.path).stem if poses.path is not None else f"recording{i}"
