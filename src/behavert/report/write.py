"""`write_analysis`: the tables writer and the figures writer into one folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .results import RecordingAnalysis, RunsAnalysis

__all__ = ["write_analysis"]


def write_analysis(
    result: RecordingAnalysis | RunsAnalysis,
    out_dir: str | Path,
    annotations: Sequence[Sequence[str] | None] | None = None,
) -> list[Path]:
    """Write an analysis' tables (CSV) and figures (PNG + SVG) atomically.

    The tables are those of `behavert.report.tables.write_tables`, the figures
    those of `behavert.report.figures.write_figures`.

    Parameters
    ----------
    result
        From `analyze_recording` or `analyze_runs`.
    out_dir
        Folder (created if missing).
    annotations
        Optional per recording ``(time,)`` annotated behaviour names for the
        ethograms.

    Returns
    -------
    list of pathlib.Path
        Every written file.
    """
    from .figures import write_figures  # matplotlib only when writing
    from .tables import write_tables

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return write_tables(result, out) + write_figures(result, out, annotations)
