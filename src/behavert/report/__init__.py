"""Analyse recordings with a trained model: attention, motifs, kinematic axes.

The analysis is a chain of steps that each return arrays
(`behavert.report.steps`: embed, cluster, importance, attribution, and
`behavert.report.statistics`), composed by `analyze_runs` /
`analyze_recording` into the result types of `behavert.report.results`. The
writers are apart: `behavert.report.tables` (CSV, ``summary.json``) and
`behavert.report.figures` (PNG and SVG), both behind `write_analysis`.
"""

from __future__ import annotations

from .analyze import analyze_recording, analyze_runs, frames_table, recording_name
from .results import RecordingAnalysis, RunsAnalysis
from .statistics import (
    AXIS_MEASURES,
    axis_carriers,
    group_comparison,
    kinematic_axes,
    motif_tables,
    pooled_transitions,
    usage_table,
)
from .steps import (
    Motifs,
    cluster_motifs,
    embed_recordings,
    label_array,
    map_tokens,
    name_motifs,
    prediction_columns,
    recording_attribution,
    recording_importance,
)
from .write import write_analysis

__all__ = [
    "AXIS_MEASURES",
    "Motifs",
    "RecordingAnalysis",
    "RunsAnalysis",
    "analyze_recording",
    "analyze_runs",
    "axis_carriers",
    "cluster_motifs",
    "embed_recordings",
    "frames_table",
    "group_comparison",
    "kinematic_axes",
    "label_array",
    "map_tokens",
    "motif_tables",
    "name_motifs",
    "pooled_transitions",
    "prediction_columns",
    "recording_attribution",
    "recording_importance",
    "recording_name",
    "usage_table",
    "write_analysis",
]
