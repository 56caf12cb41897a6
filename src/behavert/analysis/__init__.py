"""Analysis of BehaVERT outputs on plain arrays: attention, attributions, motifs.

Uses numpy, scipy, pandas and scikit-learn only and never a model class;
`behavert.analysis.attribution.integrated_gradients` takes a plain torch
callable and imports torch lazily. Importing this package imports no torch.
"""

from __future__ import annotations

from .attention import (
    attention_enrichment,
    attention_share,
    enrichment_by_label,
    frame_attention_neighbourhood,
)
from .attribution import group_attributions, integrated_gradients, rank_groups
from .clustering import ClusterResult, cluster_embeddings, pca_map, umap_embedding
from .kinematics import axis_correlations, describe_axes, kinematic_measures
from .motifs import (
    MotifMatch,
    bout_durations,
    bouts,
    compare_groups,
    match_motifs_to_labels,
    motif_usage,
    smooth_bouts,
    transition_matrix,
)

__all__ = [
    "ClusterResult",
    "MotifMatch",
    "attention_enrichment",
    "attention_share",
    "axis_correlations",
    "bout_durations",
    "bouts",
    "cluster_embeddings",
    "compare_groups",
    "describe_axes",
    "enrichment_by_label",
    "frame_attention_neighbourhood",
    "group_attributions",
    "integrated_gradients",
    "kinematic_measures",
    "match_motifs_to_labels",
    "motif_usage",
    "pca_map",
    "rank_groups",
    "smooth_bouts",
    "transition_matrix",
    "umap_embedding",
]
