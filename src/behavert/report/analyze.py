"""`analyze_runs` / `analyze_recording`: every step of `behavert.report.steps`.

Per run: embed every recording, cluster the tokens of all recordings into
shared motifs (named from labels when given), map them; then per recording the
frame importance, the frame model's predictions, the attributions, the motif
tables and the kinematic axes; last the usage table and the group test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..io.names import recording_names
from ..io.poses import Poses, recording_name
from .results import RecordingAnalysis, RunsAnalysis
from .statistics import (
    axis_carriers,
    group_comparison,
    kinematic_axes,
    motif_tables,
    usage_table,
)
from .steps import (
    Motifs,
    cluster_motifs,
    embed_recordings,
    map_tokens,
    name_motifs,
    prediction_columns,
    recording_attribution,
    recording_importance,
)

__all__ = ["analyze_recording", "analyze_runs", "frames_table", "recording_name"]


@dataclass(frozen=True)
class _Options:
    """The per-recording settings of `analyze_runs`."""

    frame_model: Any
    attribution: bool
    importance: str | None
    target: int | str | None
    stride: int | None
    seed: int


def _check(poses_list, frame_model, labels, tokens_from) -> None:
    if not poses_list:
        raise ValueError("analyze_runs needs at least one recording")
    if tokens_from not in ("model", "frame_model"):
        raise ValueError(f"tokens_from must be model or frame_model: {tokens_from!r}")
    if tokens_from == "frame_model" and frame_model is None:
        raise ValueError("tokens_from='frame_model' needs a frame_model")
    if labels is not None and len(labels) != len(poses_list):
        raise ValueError(f"{len(labels)} label sets for {len(poses_list)} recordings")


def _ticker(progress: Callable[[int, int], Any] | None, total: int) -> Callable:
    step = 0

    def tick() -> None:
        nonlocal step
        step += 1
        if progress is not None:
            progress(step, total)

    return tick


def analyze_runs(
    model,
    tokenizer,
    poses_list: Sequence[Poses],
    *,
    frame_model=None,
    groups: Sequence[str] | Mapping[str, str] | None = None,
    labels: Sequence[Any] | None = None,
    n_motifs: int | None = None,
    method: str = "kmeans",
    min_bout: int = 5,
    attribution: bool = True,
    importance: str | None = None,
    target: int | str | None = None,
    tokens_from: str = "model",
    stride: int | None = None,
    seed: int = 0,
    progress: Callable[[int, int], Any] | None = None,
) -> RunsAnalysis:
    """Analyse several recordings with one shared motif clustering.

    Parameters
    ----------
    model
        A trained BehaVERT (sequence classifier: importance is the
        gradient-weighted attention of its decision and attributions are
        computed; other models: attention rollout, no attribution).
    tokenizer
        Its ``PoseTokenizer``.
    poses_list
        The recordings.
    frame_model
        Optional ``BehavertForFrameClassification`` (same tokenizer): adds the
        predicted behaviour, class probabilities and uncertainty.
    groups
        Group per recording (sequence, or mapping from recording name) for
        the per-group motif comparison.
    labels
        Optional per recording: ``FrameLabels`` or ``(labels (time,), names)``;
        motifs are then named after the behaviour they match best (Hungarian
        assignment) and the ARI is reported in ``info``.
    n_motifs
        Fix the number of motifs (default: chosen by the method's criterion).
    method
        ``"kmeans"`` (silhouette), ``"gmm"`` (BIC) or ``"hdbscan"``.
    min_bout
        Shortest motif bout in frames (shorter ones are merged).
    attribution
        Compute integrated-gradient group rankings (sequence models only).
    importance
        ``"grad"``, ``"rollout"`` or ``"cls"`` (default: see ``model``).
    target
        Sequence class explained by importance and attribution (default: each
        window's predicted class).
    tokens_from
        ``"model"`` or ``"frame_model"``: whose final-layer tokens are
        clustered and mapped.
    stride
        Window stride for every stitched output (default: the model's).
    seed
        Seed of the clustering and maps.
    progress
        Called as ``progress(step_done, steps_total)``.

    Returns
    -------
    RunsAnalysis
    """
    _check(poses_list, frame_model, labels, tokens_from)
    tick = _ticker(progress, 3 * len(poses_list) + 1)
    token_model = frame_model if tokens_from == "frame_model" else model
    tokens = embed_recordings(
        token_model, tokenizer, poses_list, stride=stride, tick=tick
    )
    motifs = cluster_motifs(
        tokens, method=method, n_motifs=n_motifs, min_bout=min_bout, seed=seed
    )
    motifs.info["tokens_from"] = tokens_from
    if labels is not None:
        motifs = name_motifs(motifs, labels)
    maps = map_tokens(tokens, seed=seed)
    options = _Options(frame_model, attribution, importance, target, stride, seed)
    recordings = [
        _analyze_one(
            model, tokenizer, poses, i, (tokens[i], maps[i]), motifs, options, tick
        )
        for i, poses in enumerate(poses_list)
    ]
    for rec, name in zip(recordings, recording_names(poses_list)):
        rec.name = name  # unique: two files called alike never share outputs
    usage = usage_table(recordings, motifs.names)
    group_series, comparison = group_comparison(usage, groups)
    tick()
    return RunsAnalysis(recordings, usage, group_series, comparison)


def frames_table(
    poses: Poses,
    attention: np.ndarray,
    motif: np.ndarray,
    motif_names: Sequence[str],
    xy: np.ndarray,
) -> pd.DataFrame:
    """The ``frames`` table of a `RecordingAnalysis` (without predictions)."""
    return pd.DataFrame(
        {
            "frame": np.asarray(poses.frame_index),
            "attention": attention,
            "motif": motif,
            "motif_name": [motif_names[m] if m >= 0 else "none" for m in motif],
            "pc1": xy[:, 0],
            "pc2": xy[:, 1],
        }
    )


def _analyze_one(
    model,
    tokenizer,
    poses: Poses,
    i: int,
    tokens_and_map: tuple[np.ndarray, np.ndarray],
    motifs: Motifs,
    options: _Options,
    tick: Callable[[], None],
) -> RecordingAnalysis:
    """Every per-recording step of `analyze_runs` for recording ``i``."""
    tokens, xy = tokens_and_map
    o = options
    attention, method = recording_importance(
        model, tokenizer, poses, method=o.importance, target=o.target, stride=o.stride
    )
    tick()
    frames = frames_table(poses, attention, motifs.labels[i], motifs.names, xy)
    classes: tuple[str, ...] = ()
    if o.frame_model is not None:
        from ..inference import predict_frames

        pred = predict_frames(o.frame_model, tokenizer, poses, stride=o.stride)
        classes = tuple(pred.names)
        for key, column in prediction_columns(
            classes, pred.labels, pred.probabilities
        ).items():
            frames[key] = column
    attr = None
    if o.attribution:
        attr = recording_attribution(model, tokenizer, poses, target=o.target)
    tick()
    axes = kinematic_axes(tokens, poses, seed=o.seed)
    info = dict(motifs.info, importance=method, target=o.target, fps=poses.fps)
    if motifs.recording_ari is not None:
        info["ari_recording"] = motifs.recording_ari[i]
    return RecordingAnalysis(
        frames=frames,
        attribution=attr,
        motif_stats=motif_tables(motifs.labels[i], motifs.names, poses.fps),
        axes=axes,
        carriers=axis_carriers(axes),
        name=recording_name(poses, i),
        info=info,
        classes=classes,
    )


def analyze_recording(
    model,
    tokenizer,
    poses: Poses,
    *,
    frame_model=None,
    n_motifs: int | None = None,
    method: str = "kmeans",
    min_bout: int = 5,
    attribution: bool = True,
    seed: int = 0,
    progress: Callable[[int, int], Any] | None = None,
    labels: Any = None,
    **kwargs: Any,
) -> RecordingAnalysis:
    """Analyse one recording (`analyze_runs` on a single recording).

    Parameters
    ----------
    model, tokenizer, poses, frame_model, n_motifs, method, min_bout,
    attribution, seed, progress
        As in `analyze_runs` (``poses`` is one recording).
    labels
        ``FrameLabels`` or ``(labels (time,), names)`` of this recording.
    **kwargs
        ``importance``, ``target``, ``tokens_from``, ``stride``.

    Returns
    -------
    RecordingAnalysis
    """
    result = analyze_runs(
        model,
        tokenizer,
        [poses],
        frame_model=frame_model,
        labels=None if labels is None else [labels],
        n_motifs=n_motifs,
        method=method,
        min_bout=min_bout,
        attribution=attribution,
        seed=seed,
        progress=progress,
        **kwargs,
    )
    return result.recordings[0]
