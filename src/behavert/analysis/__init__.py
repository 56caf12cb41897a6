"""Analysis of BehaVERT outputs on plain arrays: attention, attributions, motifs.

Uses numpy, scipy, pandas and scikit-learn only and never a model class;
`behavert.analysis.attribution.integrated_gradients` takes a plain torch
callable and imports torch lazily. Importing this package imports no torch.

Names are imported lazily, so ``behavert.analysis.attention`` loads neither
scikit-learn nor scipy.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "attention_enrichment": ".attention",
    "attention_share": ".attention",
    "enrichment_by_label": ".attention",
    "frame_attention_neighbourhood": ".attention",
    "group_attributions": ".attribution",
    "integrated_gradients": ".attribution",
    "rank_groups": ".attribution",
    "ClusterResult": ".clustering",
    "cluster_embeddings": ".clustering",
    "pca_map": ".clustering",
    "umap_embedding": ".clustering",
    "axis_correlations": ".kinematics",
    "describe_axes": ".kinematics",
    "kinematic_measures": ".kinematics",
    "MotifMatch": ".motifs",
    "bout_durations": ".motifs",
    "bouts": ".motifs",
    "compare_groups": ".motifs",
    "match_motifs_to_labels": ".motifs",
    "motif_usage": ".motifs",
    "smooth_bouts": ".motifs",
    "transition_matrix": ".motifs",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(_EXPORTS[name], __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
