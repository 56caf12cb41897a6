"""Label-preserving variants of a recording, for training.

``"swap"`` reverses the order of the animals (trackers swap identities, and a
social behaviour such as contact or aggression belongs to the pair, not to
one animal); ``"mirror"`` reflects the arena (x -> -x) and exchanges left and
right keypoints, so a behaviour and its mirror image look alike to the model.
Egocentric features make rotation and translation invariance free; these two
are not. Training windows are drawn
from the variants at random; validation and prediction use the recording as it
is.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

import numpy as np

from ..errors import ConfigError
from ..io.poses import Poses

__all__ = [
    "AUGMENTATIONS",
    "check_augment",
    "mirror_name",
    "mirror_order",
    "pose_variants",
    "variant_choice",
]

AUGMENTATIONS = ("swap", "mirror")


def check_augment(augment: Sequence[str]) -> tuple[str, ...]:
    """``augment`` as a tuple, every name one of ``AUGMENTATIONS``."""
    if isinstance(augment, str):
        augment = (augment,)
    augment = tuple(dict.fromkeys(str(a) for a in augment))
    unknown = [a for a in augment if a not in AUGMENTATIONS]
    if unknown:
        raise ConfigError(
            f"unknown augmentation {unknown}; choose from {list(AUGMENTATIONS)}"
        )
    return augment


def _swapped(poses: Poses) -> Poses:
    """The animals in reverse order under the same names."""
    return poses.replace(
        position=poses.position[:, ::-1].copy(),
        confidence=poses.confidence[:, ::-1].copy(),
    )


def mirror_name(name: str) -> str:
    """The keypoint on the other side: ``left_ear`` <-> ``right_ear``, ``hip_l``
    <-> ``hip_r``, ``l_paw`` <-> ``r_paw`` (lower case); a name without a side
    is its own mirror."""
    low = name.lower()
    if "left" in low or "right" in low:
        return low.replace("left", "\0").replace("right", "left").replace("\0", "right")
    for x, y in (("_l", "_r"), ("_r", "_l")):
        if low.endswith(x):
            return low[: -len(x)] + y
    for x, y in (("l_", "r_"), ("r_", "l_")):
        if low.startswith(x):
            return y + low[len(x) :]
    return low


def mirror_order(keypoints: Sequence[str]) -> list[int]:
    """For each keypoint, the index of its mirror image (itself without a side)."""
    low = [k.lower() for k in keypoints]
    return [low.index(m) if (m := mirror_name(k)) in low else i
            for i, k in enumerate(keypoints)]  # fmt: skip


def _mirrored(poses: Poses) -> Poses:
    """x -> -x, and left and right keypoints exchanged (a mirrored left ear is
    on the right side: without the exchange the animal would be impossible)."""
    order = mirror_order(poses.keypoints)
    position = poses.position[:, :, order].copy()
    position[..., 0] = -position[..., 0]
    return poses.replace(
        position=position, confidence=poses.confidence[:, :, order].copy()
    )


def pose_variants(poses: Poses, augment: Sequence[str]) -> list[Poses]:
    """The recording first, then each combination of the augmentations.

    ``"swap"`` is skipped for a single animal. With ``("swap", "mirror")`` a
    two-animal recording gives 4 variants: as it is, mirrored, swapped, both.
    """
    kinds = [
        a for a in check_augment(augment) if a != "swap" or poses.n_individuals > 1
    ]
    out = []
    for flags in product((False, True), repeat=len(kinds)):
        variant = poses
        for kind, on in zip(kinds, flags):
            if on:
                variant = _swapped(variant) if kind == "swap" else _mirrored(variant)
        out.append(variant)
    return out


def variant_choice(n: int, n_variants: int, generator) -> np.ndarray:
    """Which variant each of ``n`` windows is drawn from (all 0 for one)."""
    import torch

    if n_variants == 1:
        return np.zeros(n, dtype=np.int64)
    return torch.randint(n_variants, (n,), generator=generator).numpy()
