"""Analysis of BehaVERT outputs on plain arrays: attention, attributions, motifs.

Uses numpy, scipy, pandas and scikit-learn only and never a model class;
`behavert.analysis.attribution.integrated_gradients` takes a plain torch
callable and imports torch lazily. Importing this package imports no torch.

Names are imported lazily, so ``behavert.analysis.attention`` loads neither
scikit-learn nor scipy.
"""

from __future__ import annotations

from .._lazy import lazy_exports

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
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
