"""The figures writer: ethogram, attention curve, embedding map, motif stats.

Matplotlib with the Agg canvas and `matplotlib.figure.Figure` objects only:
no ``pyplot``, so no global figure state and no GUI backend. Every function
takes tables of `behavert.report` and returns a ``Figure``; `save_figure`
writes it as PNG and SVG atomically and `write_figures` writes every figure
of an analysis.

Colours are those of `behavert.colors`, the same as in the napari layers and
the timeline: motif ``m`` is `motif_color` ``(m)`` ("no motif" grey), named
``"M<m>: <name>"`` in legends (`motif_legend`); behaviours (predictions and
annotations) take `category_colors` of the class list (``other``/``none``
grey), a palette sharing no colour with the motifs'; the attention curve is
black over the frames' importance (which sums to 1 over the recording), and
frames of a highlighted behaviour are shaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..colors import (
    CATEGORY_PALETTE,
    GROUP_PALETTE,
    NONE_COLOR,
    category_colors,
    motif_color,
    motif_legend,
)
from ..io.atomic import atomic_path
from .results import RecordingAnalysis, RunsAnalysis
from .statistics import pooled_transitions

__all__ = [
    "attention_curve",
    "embedding_map",
    "ethogram",
    "motif_statistics",
    "save_figure",
    "write_figures",
]


def _motif_rgba(k: int) -> np.ndarray:
    """``(k + 1, 4)`` RGBA of motifs ``0 .. k - 1``, then the "none" grey."""
    return np.array([to_rgba(motif_color(m)) for m in [*range(k), -1]])


def _new(width: float, height: float, rows: int = 1, cols: int = 1, **kw):
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False, **kw)
    return fig, axes


def _time(frames: pd.DataFrame, fps: float | None) -> tuple[np.ndarray, str]:
    t = np.arange(len(frames), dtype=float)
    return (t / fps, "time (s)") if fps else (t, "frame")


def _band(ax, codes: np.ndarray, colours: np.ndarray, y: float, t: np.ndarray):
    """Draw one ethogram row of integer codes as an image strip."""
    if len(codes) == 0:
        return
    step = t[1] - t[0] if len(t) > 1 else 1.0
    ax.imshow(
        codes[None, :],
        aspect="auto",
        interpolation="nearest",
        cmap=ListedColormap(colours),
        vmin=-0.5,
        vmax=len(colours) - 0.5,
        extent=(t[0], t[-1] + step, y - 0.4, y + 0.4),
    )


def ethogram(
    frames: pd.DataFrame,
    fps: float | None = None,
    annotations: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Behaviour and motif bands over time.

    Parameters
    ----------
    frames
        `RecordingAnalysis.frames`: uses ``behaviour`` (if present),
        ``motif`` and ``motif_name``.
    fps
        Time axis in seconds when given, else frames.
    annotations
        ``(time,)`` annotated behaviour name per frame (optional band).
    class_names
        The class list whose order gives the behaviour colours (e.g.
        `RecordingAnalysis.classes`); names not in it follow in order of first
        appearance in the predictions and annotations.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t, xlabel = _time(frames, fps)
    rows = []
    names = [str(n) for n in class_names or []]
    for col in (
        frames.get("behaviour", []),
        annotations if annotations is not None else [],
    ):
        seen = pd.unique(pd.Series(col, dtype=object).astype(str))
        names += [n for n in seen if n not in names]
    bcol = {n: to_rgba(c) for n, c in category_colors(names).items()}
    if "behaviour" in frames:
        rows.append(("predicted", frames["behaviour"].astype(str).to_numpy()))
    if annotations is not None:
        rows.append(("annotated", np.asarray(annotations, dtype=object).astype(str)))
    fig, axes = _new(10, 1.0 + 0.55 * (len(rows) + 1))
    ax = axes[0, 0]
    labels = []
    for y, (label, values) in enumerate(rows):
        lut = {n: i for i, n in enumerate(bcol)}
        codes = np.array([lut.get(v, 0) for v in values])
        palette = np.array(list(bcol.values()) or [to_rgba(NONE_COLOR)])
        _band(ax, codes, palette, y, t)
        labels.append(label)
    motif = frames["motif"].to_numpy(int)
    k = int(motif.max(initial=-1)) + 1
    palette = _motif_rgba(k)
    _band(ax, np.where(motif >= 0, motif, k), palette, len(rows), t)
    labels.append("motif")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlabel(xlabel)
    handles = [Patch(color=c, label=n) for n, c in bcol.items()]
    handles += _motif_handles(frames, k)
    if handles:
        ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7
        )
    ax.set_title(title or "Ethogram")
    return fig


def _motif_names(frames: pd.DataFrame, k: int) -> list[str]:
    names = [f"motif {m}" for m in range(k)]
    if "motif_name" in frames:
        for m, name in frames.groupby("motif")["motif_name"].first().items():
            if 0 <= int(m) < k:
                names[int(m)] = str(name)
    return names


def _motif_handles(frames: pd.DataFrame, k: int) -> list[Patch]:
    """Legend patches of motifs ``0 .. k - 1`` (`behavert.colors.motif_legend`)."""
    return [Patch(color=c, label=t) for t, c in motif_legend(_motif_names(frames, k))]


def attention_curve(
    frames: pd.DataFrame,
    fps: float | None = None,
    highlight: np.ndarray | None = None,
    highlight_label: str = "highlighted frames",
    title: str | None = None,
) -> Figure:
    """Per-frame importance for the model's decision over time.

    Parameters
    ----------
    frames
        `RecordingAnalysis.frames` (its ``attention`` column).
    fps
        Time axis in seconds when given.
    highlight
        ``(time,)`` bool frames to shade (e.g. one behaviour's frames).
    highlight_label
        Legend text of the shading.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t, xlabel = _time(frames, fps)
    fig, axes = _new(10, 2.6)
    ax = axes[0, 0]
    if highlight is not None:
        ax.fill_between(
            t,
            0,
            1,
            where=np.asarray(highlight, dtype=bool),
            color=CATEGORY_PALETTE[1],
            alpha=0.3,
            step="mid",
            transform=ax.get_xaxis_transform(),
            label=highlight_label,
            linewidth=0,
        )
    importance = frames["attention"].to_numpy(float)
    ax.plot(t, importance, color="black", lw=0.8, label="importance")
    top = float(np.nanmax(importance)) if len(importance) else 0.0
    ax.set_xlabel(xlabel)
    ax.set_ylabel("importance (sums to 1)")
    ax.set_ylim(0, 1.05 * top if top > 0 else 1.0)
    ax.set_xlim(t[0] if len(t) else 0, t[-1] if len(t) else 1)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(title or "Frame importance for the decision")
    return fig


def embedding_map(frames: pd.DataFrame, title: str | None = None) -> Figure:
    """Frames on the 2-D token map (``pc1``, ``pc2``), coloured by motif.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = _new(5.5, 4.5)
    ax = axes[0, 0]
    motif = frames["motif"].to_numpy(int)
    k = int(motif.max(initial=-1)) + 1
    palette = _motif_rgba(k)
    colours = palette[np.where(motif >= 0, motif, k)]
    ax.scatter(
        frames["pc1"], frames["pc2"], c=colours, s=4, linewidths=0, rasterized=True
    )
    handles = _motif_handles(frames, k)
    if handles:
        ax.legend(handles=handles, fontsize=7, loc="best")
    ax.set_xlabel("PC1 of final-layer tokens")
    ax.set_ylabel("PC2")
    ax.set_title(title or "Embedding map")
    return fig


def motif_statistics(
    usage: pd.DataFrame,
    transitions: pd.DataFrame,
    groups: pd.Series | None = None,
    title: str | None = None,
) -> Figure:
    """Motif usage bars (per group) and the bout transition matrix.

    Parameters
    ----------
    usage
        Rows = recordings, columns = motif names, frame shares.
    transitions
        ``(motif, motif)`` transition probabilities (rows = from).
    groups
        Group of each recording (indexed like ``usage``); one bar series per
        group with the standard error; None: one series.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = _new(11, 4.2, 1, 2, gridspec_kw={"width_ratios": [1.4, 1]})
    ax, hm = axes[0]
    g = (
        pd.Series(groups).reindex(usage.index).fillna("all")
        if groups is not None
        else pd.Series("all", index=usage.index)
    )
    names = sorted(g.unique().tolist(), key=str)
    x = np.arange(usage.shape[1])
    width = 0.8 / max(len(names), 1)
    for j, name in enumerate(names):
        block = usage[g == name].to_numpy(float)
        mean = block.mean(axis=0)
        sem = block.std(axis=0, ddof=1) / np.sqrt(len(block)) if len(block) > 1 else 0
        ax.bar(
            x + (j - (len(names) - 1) / 2) * width,
            mean,
            width,
            yerr=sem,
            color=GROUP_PALETTE[j % len(GROUP_PALETTE)],
            label=f"{name} (n={len(block)})",
            capsize=2,
        )
    ax.set_xticks(x, [str(c) for c in usage.columns], rotation=45, ha="right")
    ax.set_ylabel("share of frames")
    ax.legend(fontsize=8)
    ax.set_title("Motif usage")
    image = hm.imshow(transitions.to_numpy(float), cmap="viridis", vmin=0, vmax=1)
    labels = [str(c) for c in transitions.columns]
    hm.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=7)
    hm.set_yticks(range(len(labels)), [str(c) for c in transitions.index], fontsize=7)
    hm.set_xlabel("to")
    hm.set_ylabel("from")
    hm.set_title("Bout transitions")
    fig.colorbar(image, ax=hm, shrink=0.8, label="probability")
    if title:
        fig.suptitle(title)
    return fig


def save_figure(fig: Figure, stem: str | Path, dpi: int = 120) -> list[Path]:
    """Write ``<stem>.png`` and ``<stem>.svg`` atomically.

    Returns
    -------
    list of pathlib.Path
        The two written files.
    """
    stem = Path(stem)
    out = []
    for suffix in (".png", ".svg"):
        path = stem.with_name(stem.name + suffix)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=suffix[1:], dpi=dpi)
        out.append(path)
    return out


def _recording_figures(rec: RecordingAnalysis, annotations=None) -> dict[str, Figure]:
    fps = rec.info.get("fps")
    usage = rec.motif_stats["usage"].set_index("name")["frames"].to_frame(rec.name).T
    method = rec.info.get("importance")
    return {
        "ethogram": ethogram(
            rec.frames, fps, annotations, rec.classes, title=f"Ethogram: {rec.name}"
        ),
        "attention": attention_curve(
            rec.frames, fps, title=f"Frame importance ({method}): {rec.name}"
        ),
        "embedding": embedding_map(rec.frames, title=f"Motifs: {rec.name}"),
        "motifs": motif_statistics(
            usage, rec.motif_stats["transitions"], title=rec.name
        ),
    }


def write_figures(
    result: RecordingAnalysis | RunsAnalysis,
    out: Path,
    annotations: Sequence[Sequence[str] | None] | None = None,
) -> list[Path]:
    """Write every figure of an analysis as PNG and SVG into ``out``.

    Per recording ``<name>``: ``<name>_ethogram``, ``_attention``,
    ``_embedding`` and ``_motifs``; for a `RunsAnalysis` also
    ``motif_statistics`` (usage per group, pooled transitions).

    Parameters
    ----------
    annotations
        Optional per recording ``(time,)`` annotated behaviour names for the
        ethograms.
    """
    runs = isinstance(result, RunsAnalysis)
    recordings = result.recordings if runs else [result]
    notes = list(annotations) if annotations is not None else [None] * len(recordings)
    written: list[Path] = []
    for rec, note in zip(recordings, notes):
        for kind, fig in _recording_figures(rec, note).items():
            written += save_figure(fig, out / f"{rec.name}_{kind}")
    if runs:
        fig = motif_statistics(
            result.usage, pooled_transitions(result.recordings), result.groups
        )
        written += save_figure(fig, out / "motif_statistics")
    return written
