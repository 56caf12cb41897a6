"""Express recordings of different skeletons in one reference skeleton.

Pretraining on every unlabelled recording a lab has means mixing DeepLabCut
projects: 4 to 33 keypoints, one or two animals. `to_skeleton` maps each
recording onto a reference (the keypoints, animals and edges of one recording,
usually the one the model is for) with the product's keypoint mapping
(`behavert.data.mapping.map_keypoints`, names and synonyms, or a user's map):
reference keypoints a recording lacks stay NaN and the tokenizer masks them;
a one-animal recording fills the first animal and leaves the others missing
(NaN), so their relations are masked too; animals beyond the reference's count
are left out. Nothing is invented. `mapping_table` is the report of what was
mapped, one row per recording and keypoint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import SkeletonMismatchError
from ..io.poses import Poses, recording_name
from .mapping import KeypointMapping, apply_mapping, map_keypoints

__all__ = ["SkeletonMapping", "mapping_table", "to_skeleton"]


@dataclass(frozen=True)
class SkeletonMapping:
    """How one recording was expressed in the reference skeleton.

    Attributes
    ----------
    keypoints
        The keypoint mapping (source keypoints -> reference keypoints).
    n_animals
        Animals of the recording kept (at most the reference's count).
    n_animals_left_out
        Animals of the recording beyond the reference's count.
    used
        Reference keypoints that hold at least one point after mapping.
    """

    keypoints: KeypointMapping
    n_animals: int
    n_animals_left_out: int
    used: tuple[str, ...]


def to_skeleton(
    poses: Poses,
    reference: Poses,
    user_map: Mapping[str, str | None] | None = None,
) -> tuple[Poses, SkeletonMapping]:
    """``poses`` with ``reference``'s keypoints, individuals and edges.

    Parameters
    ----------
    poses
        Any recording (2D or 3D, like the reference).
    reference
        The recording whose skeleton every recording is mapped onto.
    user_map
        Source keypoint -> reference keypoint (None: leave out), overriding
        the automatic matches (`behavert.io.mapping_file.load_mapping` reads
        one from a file).

    Raises
    ------
    SkeletonMismatchError
        When the two recordings' numbers of space dimensions differ.
    """
    if poses.n_space != reference.n_space:
        raise SkeletonMismatchError(
            f"{poses.path or poses.source} is {poses.n_space}D but the reference "
            f"skeleton {reference.path or reference.source} is {reference.n_space}D"
        )
    mapping = map_keypoints(poses.keypoints, reference.keypoints, user_map=user_map)
    mapped = apply_mapping(poses, mapping, reference.keypoints)
    n_ind = reference.n_individuals
    k = min(n_ind, mapped.n_individuals)
    position = np.full((mapped.n_frames, n_ind, *mapped.position.shape[2:]), np.nan)
    confidence = np.full(position.shape[:3], np.nan)
    position[:, :k] = mapped.position[:, :k]
    confidence[:, :k] = mapped.confidence[:, :k]
    present = np.isfinite(position[:, :k]).any(axis=(0, 1, 3))
    used = tuple(n for n, ok in zip(reference.keypoints, present) if ok)
    out = mapped.replace(
        position=position,
        confidence=confidence,
        individuals=reference.individuals,
        edges=reference.edges,
    )
    report = SkeletonMapping(mapping, k, poses.n_individuals - k, used)
    return out, report


def mapping_table(
    reports: Sequence[SkeletonMapping], recordings: Sequence[Poses]
) -> pd.DataFrame:
    """One row per recording and keypoint: what fed which reference keypoint.

    Returns
    -------
    pandas.DataFrame
        Columns ``recording``, ``source``, ``target``, ``status`` (``mapped``,
        ``merged``, ``left out``, ``missing (masked)``), ``rule``,
        ``animals`` (kept) and ``animals_left_out``.
    """
    tables = []
    for i, (report, poses) in enumerate(zip(reports, recordings)):
        table = report.keypoints.report()
        table.insert(0, "recording", recording_name(poses, i))
        table["animals"] = report.n_animals
        table["animals_left_out"] = report.n_animals_left_out
        tables.append(table)
    columns = ["recording", "source", "target", "status", "rule", "animals"]
    if not tables:
        return pd.DataFrame(columns=[*columns, "animals_left_out"])
    return pd.concat(tables, ignore_index=True)
