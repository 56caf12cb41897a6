"""Run trained BehaVERT models over recordings of any length (torch, no files).

``runner``
    The windowed-execution API: `prepare_model`, `features_of`,
    `window_settings`, `iter_batches` and `run_stitched`.
``predict``
    `predict_frames`, `predict_sequences`, `embed`, `attention`.
``importance``
    Frame importance from attention (`frame_importance`, the one
    implementation of CLS / rollout / gradient-weighted attention in
    `window_importance`) and `frame_neighbourhoods`.
``attribution``
    Integrated-gradient attributions of sequence decisions.
"""

from __future__ import annotations

from .attribution import (
    RecordingAttribution,
    group_kinds,
    rank_feature_groups,
    sequence_attributions,
)
from .importance import (
    METHODS,
    frame_importance,
    frame_neighbourhoods,
    is_sequence_model,
    resolve_target,
    window_importance,
)
from .predict import (
    FramePrediction,
    attention,
    embed,
    predict_frames,
    predict_sequences,
    stitched_probabilities,
    window_logits,
)
from .runner import (
    encoder_of,
    features_of,
    is_multi_label,
    iter_batches,
    n_windows,
    prepare_model,
    run_stitched,
    window_settings,
)

__all__ = [
    "METHODS",
    "FramePrediction",
    "RecordingAttribution",
    "attention",
    "embed",
    "encoder_of",
    "features_of",
    "frame_importance",
    "frame_neighbourhoods",
    "group_kinds",
    "is_multi_label",
    "is_sequence_model",
    "iter_batches",
    "n_windows",
    "predict_frames",
    "predict_sequences",
    "prepare_model",
    "rank_feature_groups",
    "resolve_target",
    "run_stitched",
    "sequence_attributions",
    "stitched_probabilities",
    "window_importance",
    "window_logits",
    "window_settings",
]
