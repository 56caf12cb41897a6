"""Behaviours and motifs never share a colour (figures, palette functions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba

from behavert.colors import (
    CATEGORY_PALETTE,
    MOTIF_PALETTE,
    NONE_COLOR,
    category_colors,
    hex_to_rgb8,
    motif_colors,
    motif_legend,
)
from behavert.report.figures import embedding_map, ethogram


def _lab(color: str) -> np.ndarray:
    """CIELAB (D65) of a hex colour."""
    rgb = np.array(hex_to_rgb8(color)) / 255
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = (
        np.array(
            [
                [0.4124, 0.3576, 0.1805],
                [0.2126, 0.7152, 0.0722],
                [0.0193, 0.1192, 0.9505],
            ]
        )
        @ lin
    )
    xyz /= (0.95047, 1.0, 1.08883)
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _legend(fig) -> dict[str, tuple]:
    legend = fig.axes[0].get_legend()
    return {
        t.get_text(): to_rgba(h.get_facecolor())
        for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)
    }


def test_ethogram_gives_interact_and_motif_0_different_colours():
    """The ethome case: classes other / interact and four motifs."""
    motif = np.repeat([0, 1, 2, 3], 25)
    frames = pd.DataFrame(
        {
            "motif": motif,
            "motif_name": [f"motif {m}" for m in motif],
            "behaviour": np.repeat(["other", "interact"], 50),
        }
    )
    fig = ethogram(frames, class_names=("other", "interact"))
    legend = _legend(fig)
    motifs = {k: v for k, v in legend.items() if k.startswith("M")}
    assert set(motifs) == {"M0: motif 0", "M1: motif 1", "M2: motif 2", "M3: motif 3"}
    assert legend["interact"] not in motifs.values()
    assert legend["other"] == to_rgba(NONE_COLOR)
    # the drawn bands: the colours of the predicted band's "interact" frames
    # and of the motif band's motif-0 frames differ too
    predicted, motif_band = fig.axes[0].images
    interact = predicted.cmap(predicted.norm(predicted.get_array()[0, -1]))
    m0 = motif_band.cmap(motif_band.norm(motif_band.get_array()[0, 0]))
    assert to_rgba(interact) == legend["interact"]
    assert to_rgba(m0) == motifs["M0: motif 0"]
    assert interact != m0
    # the embedding map's legend is the ethogram's for the motifs
    assert _legend(embedding_map(frames.assign(pc1=0.0, pc2=0.0))) == motifs


def test_palettes_share_no_colour_and_stay_apart():
    behaviours = category_colors([f"b{i}" for i in range(10)])
    motifs = motif_colors(range(20))
    assert not set(behaviours.values()) & set(motifs.values())
    assert not set(MOTIF_PALETTE) & set(CATEGORY_PALETTE)
    assert NONE_COLOR not in MOTIF_PALETTE and len(set(MOTIF_PALETTE)) == 20
    # far enough apart to be told apart at a glance (CIELAB delta E 1976)
    others = [*behaviours.values(), NONE_COLOR]
    for m in motifs.values():
        assert min(np.linalg.norm(_lab(m) - _lab(b)) for b in others) > 15
    labels = [text for text, _ in motif_legend(["idle", "motif 1"])]
    assert labels == ["M0: idle", "M1: motif 1"]
    assert [c for _, c in motif_legend(["a", "b"])] == list(MOTIF_PALETTE[:2])
