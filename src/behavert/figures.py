"""Figures of an analysis: ethogram, attention curve, embedding map, motif stats.

Matplotlib with the Agg canvas and `matplotlib.figure.Figure` objects only:
no ``pyplot``, so no global figure state and no GUI backend. Every function
takes tables from `behavert.report` and returns a ``Figure``; `save_figure`
writes it as PNG and SVG atomically.

Colour rules (the same in every figure):

- motifs: motif ``m`` has colour ``m`` of matplotlib's ``tab20`` (cycled),
  "no motif" (``-1``) is light grey;
- behaviours (predictions and annotations): class ``i`` of the class list has
  colour ``i`` of ``tab10`` (cycled); ``other``/``none`` are light grey;
- attention: the curve is drawn in black over the frames' importance (0..1);
  frames of a highlighted behaviour are shaded in that behaviour's colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .io.atomic import atomic_path

__all__ = [
    "GREY",
    "attention_curve",
    "behaviour_colours",
    "embedding_map",
    "ethogram",
    "motif_colours",
    "motif_statistics",
    "save_figure",
]

GREY = (0.85, 0.85, 0.85, 1.0)
_BACKGROUND = ("other", "none", "background", "")


def motif_colours(n: int) -> np.ndarray:
    """``(n, 4)`` RGBA colours of motifs ``0 .. n - 1`` (``tab20``, cycled)."""
    cmap = colormaps["tab20"]
    return np.array([cmap(i % 20) for i in range(n)]).reshape(n, 4)


def behaviour_colours(names: Sequence[str]) -> dict[str, tuple]:
    """Colour of every behaviour name: ``tab10`` by class order, grey background."""
    cmap = colormaps["tab10"]
    out, i = {}, 0
    for name in names:
        if str(name).lower() in _BACKGROUND:
            out[name] = GREY
        else:
            out[name] = cmap(i % 10)
            i += 1
    return out


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
        Order of behaviour colours (default: the ``p_<class>`` columns'
        order, then first appearance in predictions and annotations).
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t, xlabel = _time(frames, fps)
    rows = []
    names = list(class_names or [])
    names += [c[2:] for c in frames.columns if c.startswith("p_")]
    for col in (
        frames.get("behaviour", []),
        annotations if annotations is not None else [],
    ):
        names += [n for n in pd.unique(pd.Series(col, dtype=object)) if n not in names]
    bcol = behaviour_colours(names)
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
        palette = np.array([to_rgba(c) for c in bcol.values()] or [GREY])
        _band(ax, codes, palette, y, t)
        labels.append(label)
    motif = frames["motif"].to_numpy(int)
    k = int(motif.max(initial=-1)) + 1
    palette = np.vstack([motif_colours(k), [GREY]])
    _band(ax, np.where(motif >= 0, motif, k), palette, len(rows), t)
    labels.append("motif")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlabel(xlabel)
    handles = [Patch(color=c, label=n) for n, c in bcol.items()]
    mnames = _motif_names(frames, k)
    handles += [
        Patch(color=motif_colours(k)[m], label=f"M{m}: {mnames[m]}") for m in range(k)
    ]
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
            color=colormaps["tab10"](1),
            alpha=0.3,
            step="mid",
            transform=ax.get_xaxis_transform(),
            label=highlight_label,
            linewidth=0,
        )
    ax.plot(
        t,
        frames["attention"].to_numpy(float),
        color="black",
        lw=0.8,
        label="importance",
    )
    ax.set_xlabel(xlabel)
    ax.set_ylabel("importance (max 1)")
    ax.set_ylim(0, 1.05)
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
    colours = np.vstack([motif_colours(k), [GREY]])[np.where(motif >= 0, motif, k)]
    ax.scatter(
        frames["pc1"], frames["pc2"], c=colours, s=4, linewidths=0, rasterized=True
    )
    names = _motif_names(frames, k)
    handles = [
        Patch(color=motif_colours(k)[m], label=f"M{m}: {names[m]}") for m in range(k)
    ]
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
    cmap = colormaps["Set2"]
    for j, name in enumerate(names):
        block = usage[g == name].to_numpy(float)
        mean = block.mean(axis=0)
        sem = block.std(axis=0, ddof=1) / np.sqrt(len(block)) if len(block) > 1 else 0
        ax.bar(
            x + (j - (len(names) - 1) / 2) * width,
            mean,
            width,
            yerr=sem,
            color=cmap(j % 8),
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
