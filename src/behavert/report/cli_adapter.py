"""The headless ``behavert analyze`` adapter (paths -> objects), kept here until
the command-line package takes it over.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .analyze import analyze_runs
from .write import write_analysis

__all__ = ["run_analyze_cli"]


def run_analyze_cli(
    run: str | Path,
    poses_paths: Sequence[str | Path],
    out: str | Path,
    groups: str | Path | Sequence[str] | None = None,
    labels: Sequence[str | Path] | None = None,
    *,
    frame_run: str | Path | None = None,
    n_motifs: int | None = None,
    method: str = "kmeans",
    min_bout: int = 5,
    attribution: bool = True,
    likelihood_threshold: float | None = None,
    seed: int = 0,
    progress: Callable[[int, int], Any] | None = None,
) -> list[Path]:
    """Headless ``behavert analyze RUN POSES... --out DIR``.

    Parameters
    ----------
    run
        A saved run folder (``save_run``, or a training ``--out`` holding
        ``model/``).
    poses_paths
        Pose files (anything ``load_poses`` reads).
    out
        Output folder for tables and figures.
    groups
        A group table (``load_sequence_labels``: recording -> group) or one
        group per pose file.
    labels
        One frame-label file per pose file (``load_frame_labels``): names the
        motifs and adds the annotation band to the ethograms.
    frame_run
        A saved frame-classification run (same tokenizer) for predicted
        behaviours and uncertainty.
    n_motifs, method, min_bout, attribution, seed, progress
        As in `analyze_runs`.
    likelihood_threshold
        Passed to ``load_poses``.

    Returns
    -------
    list of pathlib.Path
        Every written file.
    """
    from ..errors import BehavertError
    from ..io.labels import (
        class_names_with_background,
        load_frame_labels,
        load_sequence_labels,
        to_class_indices,
    )
    from ..io.load import load_poses
    from ..train.run import load_run

    def folder(path) -> Path:
        path = Path(path)
        return path / "model" if (path / "model" / "meta.json").is_file() else path

    model, tokenizer, _ = load_run(folder(run))
    frame_model = load_run(folder(frame_run))[0] if frame_run is not None else None
    poses_list = [
        load_poses(p, likelihood_threshold=likelihood_threshold) for p in poses_paths
    ]
    group_arg = None
    if groups is not None:
        if isinstance(groups, (str, Path)):
            table = load_sequence_labels(groups)
            from ..io.labels import group_of

            group_arg = [group_of(table, p) for p in poses_paths]
        else:
            group_arg = [str(g) for g in groups]
        if len(group_arg) != len(poses_list):
            raise BehavertError(
                f"{len(poses_list)} pose files but {len(group_arg)} groups"
            )
    label_arg, notes = None, None
    if labels is not None:
        if len(labels) != len(poses_list):
            raise BehavertError(
                f"{len(poses_list)} pose files but {len(labels)} label files: give "
                "one label file per pose file, in the same order"
            )
        loaded = [
            load_frame_labels(lp, n_frames=p.n_frames, fps=p.fps)
            for lp, p in zip(labels, poses_list)
        ]
        label_arg = loaded
        notes = []
        for lab in loaded:
            names = class_names_with_background(lab)
            notes.append([names[i] for i in to_class_indices(lab)])
    result = analyze_runs(
        model,
        tokenizer,
        poses_list,
        frame_model=frame_model,
        groups=group_arg,
        labels=label_arg,
        n_motifs=n_motifs,
        method=method,
        min_bout=min_bout,
        attribution=attribution,
        seed=seed,
        progress=progress,
    )
    return write_analysis(result, out, annotations=notes)
