"""Analyse recordings with a trained model: attention, motifs, kinematic axes.

`analyze_recording` / `analyze_runs` combine `behavert.inference` (frame
importance and integrated-gradient attributions) with `behavert.analysis`
(clustering of final-layer tokens into motifs, bouts, motif statistics,
group tests and kinematic axis correlations). `write_analysis` writes their
tables (CSV) and figures (PNG and SVG, `behavert.figures`) atomically;
`run_analyze_cli` is the headless ``behavert analyze RUN POSES... --out DIR``.

Motifs: final-layer frame tokens (stitched over windows) -> PCA (16
components) -> KMeans with k chosen by the best silhouette over 2..12 (or a
Gaussian mixture by minimal BIC, or HDBSCAN), fitted jointly on all analysed
recordings so motif numbers mean the same thing in every recording; then
bouts shorter than ``min_bout`` frames are merged into their neighbours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .analysis import (
    axis_correlations,
    bout_durations,
    cluster_embeddings,
    compare_groups,
    kinematic_measures,
    match_motifs_to_labels,
    motif_usage,
    pca_map,
    smooth_bouts,
    transition_matrix,
)
from .io.poses import Poses

__all__ = [
    "AXIS_MEASURES",
    "RecordingAnalysis",
    "RunsAnalysis",
    "analyze_recording",
    "analyze_runs",
    "axis_carriers",
    "run_analyze_cli",
    "write_analysis",
]

#: Kinematic families and the `kinematic_measures` column suffix of each.
AXIS_MEASURES = {
    "mobility": " speed",
    "attention to partner": " facing partner",
    "social engagement": " distance",
}


@dataclass
class RecordingAnalysis:
    """Everything `analyze_recording` found about one recording.

    Attributes
    ----------
    frames
        Indexed ``0 .. time - 1``: ``frame`` (``poses.frame_index``),
        ``attention`` (importance for the decision, >= 0, max 1),
        ``motif`` (int, -1 = none), ``motif_name``, ``pc1``, ``pc2``; with a
        frame model also ``behaviour``, ``p_<class>`` and ``uncertainty``
        (1 - the largest class probability).
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
        engagement (`axis_carriers`).
    name
        Recording name (file stem).
    info
        Settings and choices: importance method and target, clustering
        method, criterion, k and its scores, motif-naming source, ARI.
    """

    frames: pd.DataFrame
    attribution: pd.DataFrame | None
    motif_stats: dict[str, pd.DataFrame]
    axes: pd.DataFrame
    carriers: pd.DataFrame
    name: str = "recording"
    info: dict = field(default_factory=dict)

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


def _label_array(labels, n_frames: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """``(time,)`` int labels and names from FrameLabels or (array, names)."""
    from .io.labels import FrameLabels, class_names_with_background, to_class_indices

    if isinstance(labels, FrameLabels):
        y, names = to_class_indices(labels), class_names_with_background(labels)
    else:
        y, names = labels
        y = np.asarray(y, dtype=np.int64)
        names = tuple(names)
    if len(y) != n_frames:
        raise ValueError(f"{len(y)} labels for a recording of {n_frames} frames")
    return y, names


def _name_of(poses: Poses, i: int) -> str:
    return Path(poses.path).stem if poses.path is not None else f"recording{i}"


def _motif_tables(motif, names, fps) -> dict[str, pd.DataFrame]:
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


def _importance(model, tokenizer, poses, importance, target, stride):
    from .inference import frame_importance, is_sequence_model

    method = importance or ("grad" if is_sequence_model(model) else "rollout")
    scores = frame_importance(
        model, tokenizer, poses, method=method, target=target, stride=stride
    )
    top = scores.max() if len(scores) else 0.0
    return (scores / top if top > 0 else scores), method


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
    from .inference import embed, predict_frames
    from .inference import is_sequence_model, sequence_attributions

    if not poses_list:
        raise ValueError("analyze_runs needs at least one recording")
    if tokens_from not in ("model", "frame_model"):
        raise ValueError(f"tokens_from must be model or frame_model: {tokens_from!r}")
    if tokens_from == "frame_model" and frame_model is None:
        raise ValueError("tokens_from='frame_model' needs a frame_model")
    if labels is not None and len(labels) != len(poses_list):
        raise ValueError(f"{len(labels)} label sets for {len(poses_list)} recordings")
    names = [_name_of(p, i) for i, p in enumerate(poses_list)]
    total, step = 3 * len(poses_list) + 1, 0

    def tick():
        nonlocal step
        step += 1
        if progress is not None:
            progress(step, total)

    token_model = frame_model if tokens_from == "frame_model" else model
    tokens, per = [], []
    for poses in poses_list:
        tokens.append(embed(token_model, tokenizer, poses, stride=stride))
        tick()
    lengths = [len(t) for t in tokens]
    cuts = np.cumsum(lengths)[:-1]
    stacked = np.concatenate(tokens)
    clusters = cluster_embeddings(
        stacked, method=method, n_clusters=n_motifs, seed=seed
    )
    maps = np.split(pca_map(stacked, seed=seed), cuts)
    raw = np.split(clusters.labels, cuts)
    motifs = [smooth_bouts(r, min_bout) for r in raw]
    k = clusters.n_clusters
    motif_names = [f"motif {m}" for m in range(k)]
    info_common = {
        "clustering": method,
        "criterion": clusters.criterion,
        "n_motifs": k,
        "k_scores": {int(a): float(b) for a, b in clusters.scores.items()},
        "min_bout": int(min_bout),
        "tokens_from": tokens_from,
        "motif_names_from": "numbers",
    }
    if labels is not None:
        parsed = [_label_array(lab, n) for lab, n in zip(labels, lengths)]
        y_all = np.concatenate([y for y, _ in parsed])
        match = match_motifs_to_labels(np.concatenate(motifs), y_all, parsed[0][1])
        for m, beh in match.mapping.items():
            motif_names[int(m)] = str(beh)
        info_common.update(
            motif_names_from="labels",
            ari=match.ari,
            matched_accuracy=match.accuracy,
        )
    seq = is_sequence_model(model)
    for i, poses in enumerate(poses_list):
        attn, imp_method = _importance(
            model, tokenizer, poses, importance, target, stride
        )
        tick()
        frames = pd.DataFrame(
            {
                "frame": np.asarray(poses.frame_index),
                "attention": attn,
                "motif": motifs[i],
                "motif_name": [motif_names[m] if m >= 0 else "none" for m in motifs[i]],
                "pc1": maps[i][:, 0],
                "pc2": maps[i][:, 1],
            }
        )
        if frame_model is not None:
            pred = predict_frames(frame_model, tokenizer, poses, stride=stride)
            frames["behaviour"] = [pred.names[j] for j in pred.labels]
            for j, cname in enumerate(pred.names):
                frames[f"p_{cname}"] = pred.probabilities[:, j]
            frames["uncertainty"] = 1.0 - pred.probabilities.max(axis=1)
        attr = None
        if attribution and seq:
            attr = sequence_attributions(model, tokenizer, poses, target=target).groups
        tick()
        # without a frame rate, speeds are per frame and durations in frames
        measures = kinematic_measures(
            poses.position, poses.keypoints, poses.fps or 1.0, poses.individuals
        )
        axes = axis_correlations(tokens[i], measures, seed=seed)
        info = dict(info_common, importance=imp_method, target=target, fps=poses.fps)
        if labels is not None:
            y, _ = parsed[i]
            info["ari_recording"] = match_motifs_to_labels(motifs[i], y).ari
        per.append(
            RecordingAnalysis(
                frames=frames,
                attribution=attr,
                motif_stats=_motif_tables(motifs[i], motif_names, poses.fps),
                axes=axes,
                carriers=axis_carriers(axes),
                name=names[i],
                info=info,
            )
        )
    usage = pd.DataFrame(
        [r.motif_stats["usage"]["frames"].to_numpy() for r in per],
        index=pd.Index(names, name="recording"),
        columns=motif_names,
    )
    group_series, comparison = None, None
    if groups is not None:
        if isinstance(groups, Mapping):
            group_series = pd.Series({n: groups.get(n) for n in names}, dtype=object)
        else:
            group_series = pd.Series(list(groups), index=names, dtype=object)
        if group_series.dropna().nunique() >= 2:
            comparison = compare_groups(usage, group_series)
    tick()
    return RunsAnalysis(per, usage, group_series, comparison)


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


def _write_csv(table: pd.DataFrame, path: Path, index: bool = True) -> Path:
    from .io.atomic import atomic_path

    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=index)
    return path


def _write_recording(rec: RecordingAnalysis, out: Path, annotations=None) -> list[Path]:
    from . import figures

    stem = out / rec.name
    fps = rec.info.get("fps")
    written = [
        _write_csv(rec.frames, Path(f"{stem}_frames.csv"), index=False),
        _write_csv(rec.motif_stats["usage"], Path(f"{stem}_motif_usage.csv")),
        _write_csv(rec.motif_stats["durations"], Path(f"{stem}_motif_durations.csv")),
        _write_csv(
            rec.motif_stats["transitions"], Path(f"{stem}_motif_transitions.csv")
        ),
        _write_csv(rec.axes, Path(f"{stem}_axes.csv")),
        _write_csv(rec.carriers, Path(f"{stem}_axis_carriers.csv")),
    ]
    if rec.attribution is not None:
        written.append(_write_csv(rec.attribution, Path(f"{stem}_attribution.csv")))
    usage = rec.motif_stats["usage"].set_index("name")["frames"].to_frame(rec.name).T
    plots = {
        "ethogram": figures.ethogram(
            rec.frames, fps, annotations, title=f"Ethogram: {rec.name}"
        ),
        "attention": figures.attention_curve(
            rec.frames,
            fps,
            title=f"Frame importance ({rec.info.get('importance')}): {rec.name}",
        ),
        "embedding": figures.embedding_map(rec.frames, title=f"Motifs: {rec.name}"),
        "motifs": figures.motif_statistics(
            usage, rec.motif_stats["transitions"], title=rec.name
        ),
    }
    for kind, fig in plots.items():
        written += figures.save_figure(fig, Path(f"{stem}_{kind}"))
    return written


def write_analysis(
    result: RecordingAnalysis | RunsAnalysis,
    out_dir: str | Path,
    annotations: Sequence[Sequence[str] | None] | None = None,
) -> list[Path]:
    """Write an analysis' tables (CSV) and figures (PNG + SVG) atomically.

    Per recording ``<name>``: ``<name>_frames.csv``, ``_motif_usage.csv``,
    ``_motif_durations.csv``, ``_motif_transitions.csv``, ``_axes.csv``,
    ``_axis_carriers.csv``, ``_attribution.csv`` (if computed) and the
    figures ``_ethogram``, ``_attention``, ``_embedding``, ``_motifs``. For a
    `RunsAnalysis` also ``motif_usage.csv``, ``group_comparison.csv`` (with
    groups), ``motif_statistics.png/svg`` and ``summary.json``.

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
    from . import figures
    from .train.checkpoint import write_json_atomic

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    runs = (
        result
        if isinstance(result, RunsAnalysis)
        else RunsAnalysis([result], pd.DataFrame())
    )
    notes = (
        list(annotations) if annotations is not None else [None] * len(runs.recordings)
    )
    written: list[Path] = []
    for rec, note in zip(runs.recordings, notes):
        written += _write_recording(rec, out, note)
    if isinstance(result, RunsAnalysis):
        written.append(_write_csv(result.usage, out / "motif_usage.csv"))
        if result.comparison is not None:
            written.append(
                _write_csv(result.comparison, out / "group_comparison.csv", False)
            )
        first = result.recordings[0]
        fig = figures.motif_statistics(
            result.usage, _pooled_transitions(result), result.groups
        )
        written += figures.save_figure(fig, out / "motif_statistics")
        summary = {
            "recordings": [r.name for r in result.recordings],
            "groups": None if result.groups is None else result.groups.to_dict(),
            "motif_names": first.motif_names,
            "info": {k: v for k, v in first.info.items() if k != "ari_recording"},
            "axis_carriers": first.carriers.to_dict(orient="index"),
        }
        path = out / "summary.json"
        write_json_atomic(path, _plain(summary))
        written.append(path)
    return written


def _pooled_transitions(result: RunsAnalysis) -> pd.DataFrame:
    names = result.recordings[0].motif_names
    motif = np.concatenate(
        [np.append(r.frames["motif"].to_numpy(int), -1) for r in result.recordings]
    )
    table = pd.DataFrame(
        transition_matrix(motif, len(names)), index=names, columns=names
    )
    table.index.name = "from"
    return table


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
    from .errors import BehavertError
    from .io.labels import (
        class_names_with_background,
        load_frame_labels,
        load_sequence_labels,
        to_class_indices,
    )
    from .io.load import load_poses
    from .train.run import load_run

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
            from .io.labels import group_of

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
