"""Tests for behavert.report.figures (Agg figures, colour rules, atomic saving)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from behavert.colors import NONE_COLOR, category_colors, motif_color
from behavert.report.figures import (
    attention_curve,
    embedding_map,
    ethogram,
    motif_statistics,
    save_figure,
)

GREY = to_rgba(NONE_COLOR)


@pytest.fixture
def frames():
    motif = np.repeat([0, 1, -1, 2, 0], 20)
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "frame": np.arange(100),
            "attention": rng.random(100),
            "motif": motif,
            "motif_name": [
                {0: "idle", 1: "motif 1", 2: "rearing", -1: "none"}[m] for m in motif
            ],
            "pc1": rng.normal(size=100),
            "pc2": rng.normal(size=100),
            "behaviour": np.repeat(["idle", "approach", "other", "idle"], 25),
        }
    )


def test_colour_rules():
    c = [motif_color(m) for m in range(22)]
    assert len(set(c)) == 20 and c[20] == c[0]  # 20 colours, cycled
    assert motif_color(-1) == NONE_COLOR
    colours = category_colors(["other", "idle", "approach"])
    assert colours["other"] == NONE_COLOR
    assert to_rgba(colours["idle"]) != to_rgba(colours["approach"])
    # a background class takes no colour: the behaviours keep theirs
    assert category_colors(["idle", "approach"]) == {
        k: v for k, v in colours.items() if k != "other"
    }


def test_ethogram_bands_hold_the_codes(frames):
    notes = np.repeat(["idle", "approach"], 50)
    fig = ethogram(frames, fps=10.0, annotations=notes)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "predicted",
        "annotated",
        "motif",
    ]
    motif_band = np.asarray(ax.images[-1].get_array())[0]
    np.testing.assert_array_equal(
        motif_band, np.where(frames["motif"] < 0, 3, frames["motif"])
    )
    # 100 frames at 10 fps span 10 s
    assert ax.images[-1].get_extent()[1] == pytest.approx(10.0)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"idle", "approach", "M2: rearing", "M1: motif 1"} <= set(legend)


def test_attention_curve_and_embedding_map(frames):
    fig = attention_curve(frames, fps=None, highlight=frames["motif"] == 1)
    line = fig.axes[0].get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), frames["attention"])
    assert fig.axes[0].get_xlabel() == "frame"
    fig = embedding_map(frames)
    points = fig.axes[0].collections[0]
    assert len(points.get_offsets()) == 100
    grey = points.get_facecolors()[frames["motif"].to_numpy() < 0]
    np.testing.assert_allclose(grey, np.tile(GREY, (len(grey), 1)))


def test_motif_statistics_per_group():
    usage = pd.DataFrame(
        [[0.5, 0.5], [0.6, 0.4], [0.2, 0.8], [0.1, 0.9]],
        index=["a", "b", "c", "d"],
        columns=["idle", "rearing"],
    )
    trans = pd.DataFrame([[0, 1], [1, 0]], index=usage.columns, columns=usage.columns)
    groups = pd.Series(["wt", "wt", "ko", "ko"], index=usage.index)
    fig = motif_statistics(usage, trans, groups)
    bars, heat = fig.axes[0], fig.axes[1]
    heights = sorted(round(p.get_height(), 3) for p in bars.patches)
    assert heights == sorted([0.55, 0.45, 0.15, 0.85])
    np.testing.assert_allclose(np.asarray(heat.images[0].get_array()), trans)


def test_save_figure_writes_png_and_svg_atomically(frames, tmp_path):
    paths = save_figure(embedding_map(frames), tmp_path / "map")
    assert [p.name for p in paths] == ["map.png", "map.svg"]
    assert paths[0].read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in paths[1].read_bytes()[:1000]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.png", "map.svg"]


def test_figures_do_not_import_pyplot():
    code = (
        "import sys, behavert.report.figures, behavert.report; "
        "assert 'matplotlib.pyplot' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
