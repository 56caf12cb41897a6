"""The one colour vocabulary of figures, napari layers, the timeline and the map.

Hex strings only (no matplotlib, no napari), so the matplotlib figures
(`behavert.report.figures`), the napari converters
(`behavert.napari.convert`) and the timeline and embedding docks draw the same
thing in the same colour:

- individual ``i`` (in ``Poses.individuals`` order):
  ``INDIVIDUAL_PALETTE[i % len(INDIVIDUAL_PALETTE)]`` (Okabe-Ito, then
  Tableau for many tracks);
- behaviour categories (`category_colors`): the background names
  (``BACKGROUND_NAMES``: ``""``, ``none``, ``other``, ``background``) are
  ``NONE_COLOR``; the other names take ``CATEGORY_PALETTE`` in their order,
  background names skipped, so a behaviour keeps its colour whether or not a
  background class is listed (annotations list none, classifiers do);
- motif ``k`` (`motif_colors`): ``MOTIF_PALETTE[k % 20]``; ``-1`` (no
  motif) is ``NONE_COLOR``. The motif palette shares no colour with the
  behaviour palette, so a behaviour and a motif shown side by side (ethogram,
  timeline, layers) never look alike (`motif_legend` names them in legends);
- groups of recordings (bar charts): ``GROUP_PALETTE``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = [
    "BACKGROUND_NAMES",
    "CATEGORY_PALETTE",
    "GROUP_PALETTE",
    "INDIVIDUAL_PALETTE",
    "MOTIF_PALETTE",
    "NONE_COLOR",
    "category_colors",
    "hex_to_rgb8",
    "hex_to_rgba",
    "individual_colors",
    "is_background",
    "motif_color",
    "motif_colors",
    "motif_legend",
]

#: Individuals, by position (Okabe-Ito, then Tableau for many tracks).
INDIVIDUAL_PALETTE: tuple[str, ...] = (
    "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00",
    "#cc79a7", "#ffffff", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
    "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf",
)  # fmt: skip
#: Behaviour categories and motifs (Tableau order, then the light tones).
CATEGORY_PALETTE: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#bcbd22", "#17becf", "#aec7e8",
    "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
    "#f7b6d2", "#dbdb8d", "#9edae5", "#7f7f7f", "#393b79",
)  # fmt: skip
#: Motifs: ColorBrewer (Accent, Set3, Pastel1, Dark2) and Tableau-20b/c tones,
#: picked greedily to stay at least 18 CIELAB units (delta E 1976) from each
#: other, from the first ten behaviour colours, from ``NONE_COLOR`` and from
#: black and white; none of them is in ``CATEGORY_PALETTE``.
MOTIF_PALETTE: tuple[str, ...] = (
    "#fdc086", "#a1d99b", "#f0027f", "#637939", "#a6761d",
    "#fb8072", "#1b9e77", "#e6ab02", "#fbb4ae", "#7b4173",
    "#bf5b17", "#b3de69", "#9c9ede", "#b3e2cd", "#f4cae4",
    "#ad494a", "#de9ed6", "#e7ba52", "#e5d8bd", "#5254a3",
)  # fmt: skip
#: Groups of recordings (ColorBrewer Set2).
GROUP_PALETTE: tuple[str, ...] = (
    "#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3",
    "#a6d854", "#ffd92f", "#e5c494", "#b3b3b3",
)  # fmt: skip
#: Frames without a motif or behaviour, and the background classes.
NONE_COLOR = "#808080"
#: Category names drawn in ``NONE_COLOR`` (compared in lower case).
BACKGROUND_NAMES: tuple[str, ...] = ("", "none", "other", "background")


def is_background(name: object) -> bool:
    """Whether a category name means "no behaviour" (`BACKGROUND_NAMES`)."""
    return str(name).lower() in BACKGROUND_NAMES


def individual_colors(individuals: Iterable[str]) -> dict[str, str]:
    """Hex colour of each individual name, by position."""
    n = len(INDIVIDUAL_PALETTE)
    return {name: INDIVIDUAL_PALETTE[i % n] for i, name in enumerate(individuals)}


def category_colors(names: Iterable[object]) -> dict[str, str]:
    """Hex colour of each category name (the module rule: background grey)."""
    out: dict[str, str] = {}
    i = 0
    for name in names:
        key = str(name)
        if key in out:
            continue
        if is_background(key):
            out[key] = NONE_COLOR
        else:
            out[key] = CATEGORY_PALETTE[i % len(CATEGORY_PALETTE)]
            i += 1
    return out


def motif_color(motif: int) -> str:
    """Hex colour of one motif id (``-1`` or below: ``NONE_COLOR``)."""
    k = int(motif)
    return NONE_COLOR if k < 0 else MOTIF_PALETTE[k % len(MOTIF_PALETTE)]


def motif_colors(motif_ids: Iterable[int]) -> dict[int, str]:
    """Hex colour of each distinct motif id, sorted by id."""
    return {k: motif_color(k) for k in sorted({int(m) for m in motif_ids})}


def motif_legend(names: Sequence[str]) -> list[tuple[str, str]]:
    """``(label, hex colour)`` of motifs ``0 .. len(names) - 1``, by id.

    The label is ``"M<id>: <name>"``, as in the report's figures and the
    Analyze dock's legend.
    """
    return [(f"M{k}: {name}", motif_color(k)) for k, name in enumerate(names)]


def hex_to_rgba(color: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """``"#rrggbb"`` -> ``(r, g, b, alpha)`` floats in 0..1."""
    r, g, b = hex_to_rgb8(color)
    return (r / 255, g / 255, b / 255, float(alpha))


def hex_to_rgb8(color: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` -> ``(r, g, b)`` ints in 0..255."""
    text = color.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"not a #rrggbb colour: {color!r}")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
