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

Names are imported lazily: ``from behavert.inference import predict_frames``
loads the runner and predict modules only, not pandas or the analysis code
that importance and attribution use.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "RecordingAttribution": ".attribution",
    "group_kinds": ".attribution",
    "rank_feature_groups": ".attribution",
    "sequence_attributions": ".attribution",
    "METHODS": ".importance",
    "frame_importance": ".importance",
    "frame_neighbourhoods": ".importance",
    "is_sequence_model": ".importance",
    "resolve_target": ".importance",
    "window_importance": ".importance",
    "FramePrediction": ".predict",
    "attention": ".predict",
    "embed": ".predict",
    "predict_frames": ".predict",
    "predict_sequences": ".predict",
    "stitched_probabilities": ".predict",
    "window_logits": ".predict",
    "encoder_of": ".runner",
    "features_of": ".runner",
    "is_multi_label": ".runner",
    "iter_batches": ".runner",
    "n_windows": ".runner",
    "prepare_model": ".runner",
    "run_on_poses": ".runner",
    "run_stitched": ".runner",
    "window_settings": ".runner",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
