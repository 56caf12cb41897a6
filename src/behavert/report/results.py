"""What an analysis returns: one `RecordingAnalysis` per recording, a `RunsAnalysis`."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["RecordingAnalysis", "RunsAnalysis"]


@dataclass
class RecordingAnalysis:
    """Everything `analyze_recording` found about one recording.

    Attributes
    ----------
    frames
        Indexed ``0 .. time - 1``: ``frame`` (``poses.frame_index``),
        ``attention`` (the frame's importance for the decision,
        `behavert.inference.frame_importance`: >= 0, summing to 1),
        ``motif`` (int, -1 = none), ``motif_name``, ``pc1``, ``pc2``; with a
        frame model also ``behaviour``, ``p_<class>`` for every name of
        ``classes`` and ``uncertainty`` (1 - the largest class probability).
    attribution
        Ranked feature groups (`behavert.inference.rank_feature_groups`:
        index ``group``; ``kind``, ``attribution``, ``share``, ``rank``
        within the kind), or None.
    motif_stats
        ``usage`` (per motif: ``name``, ``frames`` and ``bouts`` shares),
        ``durations`` (bout durations in seconds), ``transitions`` (bout to
        bout probabilities, rows = from).
    axes
        Spearman rho of the token PCA axes (rows ``PC1..``) with kinematic
        measures (columns), `behavert.analysis.axis_correlations`.
    carriers
        Which axis carries mobility, attention to the partner and social
        engagement (`behavert.report.axis_carriers`).
    name
        Recording name (file stem).
    info
        Settings and choices: importance method and target, clustering
        method, criterion, k and its scores, motif-naming source, ARI.
    classes
        The frame model's class names, in the order of its probabilities
        (the ``p_<class>`` columns); empty without a frame model.
    """

    frames: pd.DataFrame
    attribution: pd.DataFrame | None
    motif_stats: dict[str, pd.DataFrame]
    axes: pd.DataFrame
    carriers: pd.DataFrame
    name: str = "recording"
    info: dict = field(default_factory=dict)
    classes: tuple[str, ...] = ()

    @property
    def motif_names(self) -> list[str]:
        """Name of every motif, by motif number."""
        return self.motif_stats["usage"]["name"].tolist()


@dataclass
class RunsAnalysis:
    """`analyze_runs` over several recordings sharing one motif clustering.

    Attributes
    ----------
    recordings
        One `RecordingAnalysis` per recording.
    usage
        Rows = recording names, columns = motif names: frame share.
    groups
        Group of each recording (Series indexed by name) or None.
    comparison
        `behavert.analysis.compare_groups` table (Mann-Whitney U for two
        groups, Kruskal-Wallis for more, BH-adjusted) or None.
    """

    recordings: list[RecordingAnalysis]
    usage: pd.DataFrame
    groups: pd.Series | None = None
    comparison: pd.DataFrame | None = None
