"""Keypoint rows shared by the overlay converters (pure, no napari import)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...io.keypoints import find_keypoint
from ...io.poses import Poses
from .layers import poses_to_points

__all__ = ["anchor_keypoint", "keypoint_rows", "label_text", "per_frame"]


def per_frame(poses: Poses, values: Any, what: str) -> np.ndarray:
    """``values`` as an array, checked to hold one entry per pose frame."""
    values = np.asarray(values)
    if values.shape[:1] != (poses.n_frames,):
        raise ValueError(
            f"{what} has shape {values.shape}, expected ({poses.n_frames},) "
            f"(one value per pose frame)"
        )
    return values


def keypoint_rows(
    poses: Poses, individual: int | str | None, name: str, size: float | None
):
    """Keypoint rows ``(point, 3)``, their features and the time index ``t``."""
    sub = poses
    if individual is not None:
        i = (
            poses.individuals.index(individual)
            if isinstance(individual, str)
            else int(individual)
        )
        sub = poses.replace(
            position=poses.position[:, i : i + 1],
            confidence=poses.confidence[:, i : i + 1],
            individuals=(poses.individuals[i],),
        )
    kwargs_size = {} if size is None else {"size": size}
    data, kwargs, _ = poses_to_points(sub, name=name, **kwargs_size)
    t = np.searchsorted(poses.frame_index, data[:, 0].astype(np.int64))
    return data, kwargs, t


def anchor_keypoint(poses: Poses, prefer: Sequence[str] = ("neck", "spine")) -> int:
    """Index of the keypoint carrying a layer's text (neck, else spine, else 0).

    Names match as everywhere else (`behavert.io.keypoints.find_keypoint`:
    ``Neck``, ``neck_base`` or ``spine_1`` count).
    """
    index = find_keypoint(poses.keypoints, prefer)
    return 0 if index is None else index


def label_text(size: float = 10.0, below: bool = False) -> dict:
    """napari ``text`` settings showing the ``label`` feature by the animal:
    above and right of its point, or ``below`` it (so two layers that label
    the same keypoint, e.g. predicted behaviour and motif, do not overlap)."""
    return {
        "string": "label",
        "color": "white",
        "size": size,
        "anchor": "lower_left" if below else "upper_left",
        "translation": (0.0, 8.0 if below else -8.0, 8.0),  # (frame, y, x)
    }
