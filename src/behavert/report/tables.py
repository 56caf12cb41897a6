"""The tables writer: an analysis as CSV files and ``summary.json`` (atomic)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.atomic import atomic_path
from .results import RecordingAnalysis, RunsAnalysis

__all__ = ["write_tables"]


def _write_csv(table: pd.DataFrame, path: Path, index: bool = True) -> Path:
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=index)
    return path


def _recording_tables(rec: RecordingAnalysis, out: Path) -> list[Path]:
    stem = out / rec.name
    tables = {
        "motif_usage": rec.motif_stats["usage"],
        "motif_durations": rec.motif_stats["durations"],
        "motif_transitions": rec.motif_stats["transitions"],
        "axes": rec.axes,
        "axis_carriers": rec.carriers,
    }
    if rec.attribution is not None:
        tables["attribution"] = rec.attribution
    written = [_write_csv(rec.frames, Path(f"{stem}_frames.csv"), index=False)]
    for kind, table in tables.items():
        written.append(_write_csv(table, Path(f"{stem}_{kind}.csv")))
    return written


def _plain(value):
    """JSON-safe copy (numpy scalars -> Python, NaN -> None)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _summary(result: RunsAnalysis) -> dict:
    first = result.recordings[0]
    return {
        "recordings": [r.name for r in result.recordings],
        "groups": None if result.groups is None else result.groups.to_dict(),
        "motif_names": first.motif_names,
        "info": {k: v for k, v in first.info.items() if k != "ari_recording"},
        "axis_carriers": first.carriers.to_dict(orient="index"),
    }


def write_tables(result: RecordingAnalysis | RunsAnalysis, out: Path) -> list[Path]:
    """Write the CSV tables (and, for runs, ``summary.json``) into ``out``.

    Per recording ``<name>``: ``<name>_frames.csv``, ``_motif_usage.csv``,
    ``_motif_durations.csv``, ``_motif_transitions.csv``, ``_axes.csv``,
    ``_axis_carriers.csv`` and ``_attribution.csv`` (if computed). For a
    `RunsAnalysis` also ``motif_usage.csv``, ``group_comparison.csv`` (with
    groups) and ``summary.json``.

    Returns
    -------
    list of pathlib.Path
        Every written file.
    """
    recordings = result.recordings if isinstance(result, RunsAnalysis) else [result]
    written: list[Path] = []
    for rec in recordings:
        written += _recording_tables(rec, out)
    if not isinstance(result, RunsAnalysis):
        return written
    written.append(_write_csv(result.usage, out / "motif_usage.csv"))
    if result.comparison is not None:
        written.append(
            _write_csv(result.comparison, out / "group_comparison.csv", False)
        )
    path = out / "summary.json"
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        json.dump(_plain(_summary(result)), f, indent=2, sort_keys=True)
    written.append(path)
    return written
