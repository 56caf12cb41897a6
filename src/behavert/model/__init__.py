"""The BehaVERT transformer (torch + transformers only): config, encoder and heads."""

from .configuration import PRESETS, BehavertConfig
from .modeling import (
    BehavertEmbeddings,
    BehavertForFrameClassification,
    BehavertForMaskedPoseModeling,
    BehavertForSequenceClassification,
    BehavertModel,
    BehavertPreTrainedModel,
    aggregate_recording,
    check_model_folder,
    load_pretrained,
)
from .outputs import (
    BehavertFrameClassifierOutput,
    BehavertMaskedPoseOutput,
    BehavertModelOutput,
    BehavertSequenceClassifierOutput,
)

__all__ = [
    "PRESETS",
    "BehavertConfig",
    "BehavertEmbeddings",
    "BehavertForFrameClassification",
    "BehavertForMaskedPoseModeling",
    "BehavertForSequenceClassification",
    "BehavertFrameClassifierOutput",
    "BehavertMaskedPoseOutput",
    "BehavertModel",
    "BehavertModelOutput",
    "BehavertPreTrainedModel",
    "BehavertSequenceClassifierOutput",
    "aggregate_recording",
    "check_model_folder",
    "load_pretrained",
]
