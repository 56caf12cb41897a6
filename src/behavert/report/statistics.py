"""The statistics step: motif tables, kinematic axes and group comparisons.

Arrays in, tables out (`behavert.analysis` underneath); no model is run here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..analysis import (
    axis_correlations,
    bout_durations,
    compare_groups,
    kinematic_measures,
    motif_usage,
    transition_matrix,
)
from ..io.poses import Poses

if TYPE_CHECKING:
    from .results import RecordingAnalysis

__all__ = [
    "AXIS_MEASURES",
    "axis_carriers",
    "group_comparison",
    "kinematic_axes",
    "motif_tables",
    "pooled_transitions",
    "usage_table",
]

#: Kinematic families and the `kinematic_measures` column suffix of each.
AXIS_MEASURES = {
    "mobility": " speed",
    "attention to partner": " facing partner",
    "social engagement": " distance",
}


def axis_carriers(axes: pd.DataFrame) -> pd.DataFrame:
    """Name the token axis that carries each kinematic family.

    Parameters
    ----------
    axes
        `axis_correlations` output (axes x measures).

    Returns
    -------
    pandas.DataFrame
        Index = family (`AXIS_MEASURES`): ``axis`` (largest ``|rho|`` over
        the family's measures and the axes), ``measure``, ``rho`` and
        ``explained_variance`` of that axis; families without a measure are
        left out.
    """
    evr = axes.attrs.get("explained_variance_ratio") or [np.nan] * len(axes)
    rows = {}
    for family, suffix in AXIS_MEASURES.items():
        cols = [c for c in axes.columns if str(c).endswith(suffix)]
        block = axes[cols].astype(float) if cols else pd.DataFrame()
        if block.empty or block.abs().isna().all().all():
            continue
        stacked = block.abs().stack()
        axis, measure = stacked.idxmax()
        rows[family] = {
            "axis": axis,
            "measure": measure,
            "rho": float(block.loc[axis, measure]),
            "explained_variance": float(evr[list(axes.index).index(axis)]),
        }
    out = pd.DataFrame.from_dict(
        rows, orient="index", columns=["axis", "measure", "rho", "explained_variance"]
    )
    out.index.name = "family"
    return out


def kinematic_axes(tokens: np.ndarray, poses: Poses, *, seed: int = 0) -> pd.DataFrame:
    """Spearman rho of the token PCA axes with the recording's kinematic measures.

    Without a frame rate, speeds are per frame.
    """
    measures = kinematic_measures(
        poses.position, poses.keypoints, poses.fps or 1.0, poses.individuals
    )
    return axis_correlations(tokens, measures, seed=seed)


def motif_tables(
    motif: np.ndarray, names: Sequence[str], fps: float | None
) -> dict[str, pd.DataFrame]:
    """``usage``, ``durations`` and ``transitions`` of one recording's motifs."""
    n = len(names)
    usage = pd.DataFrame(
        {
            "name": names,
            "frames": motif_usage(motif, n),
            "bouts": motif_usage(motif, n, by="bouts"),
        }
    )
    usage.index.name = "motif"
    durations = bout_durations(motif, n, fps=fps)
    durations.insert(0, "name", names)
    transitions = pd.DataFrame(
        transition_matrix(motif, n), index=list(names), columns=list(names)
    )
    transitions.index.name = "from"
    return {"usage": usage, "durations": durations, "transitions": transitions}


def usage_table(
    recordings: Sequence[RecordingAnalysis], motif_names: Sequence[str]
) -> pd.DataFrame:
    """Rows = recording names, columns = motif names: share of frames."""
    return pd.DataFrame(
        [r.motif_stats["usage"]["frames"].to_numpy() for r in recordings],
        index=pd.Index([r.name for r in recordings], name="recording"),
        columns=list(motif_names),
    )


def group_comparison(
    usage: pd.DataFrame, groups: Sequence[str] | Mapping[str, str] | None
) -> tuple[pd.Series | None, pd.DataFrame | None]:
    """Group of each recording and the per-motif group test (two groups or more)."""
    if groups is None:
        return None, None
    names = list(usage.index)
    if isinstance(groups, Mapping):
        series = pd.Series({n: groups.get(n) for n in names}, dtype=object)
    else:
        series = pd.Series(list(groups), index=names, dtype=object)
    comparison = None
    if series.dropna().nunique() >= 2:
        comparison = compare_groups(usage, series)
    return series, comparison


def pooled_transitions(recordings: Sequence[RecordingAnalysis]) -> pd.DataFrame:
    """Bout transitions pooled over recordings (no transition across recordings)."""
    names = recordings[0].motif_names
    motif = np.concatenate(
        [np.append(r.frames["motif"].to_numpy(int), -1) for r in recordings]
    )
    table = pd.DataFrame(
        transition_matrix(motif, len(names)), index=names, columns=names
    )
    table.index.name = "from"
    return table
