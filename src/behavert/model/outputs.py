"""Output dataclasses of the BehaVERT encoder and heads (``ModelOutput``)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers.utils import ModelOutput


@dataclass
class BehavertModelOutput(ModelOutput):
    """Output of ``BehavertModel``.

    Attributes
    ----------
    last_hidden_state
        ``(batch, time, hidden)`` final hidden states of the frames ([CLS] removed).
    cls_state
        ``(batch, hidden)`` final hidden state of the [CLS] token.
    hidden_states
        Tuple of ``(batch, 1 + time, hidden)``: embeddings then every layer; index
        0 along the sequence axis is [CLS]. Only with ``output_hidden_states``.
    attentions
        Tuple (one per layer) of ``(batch, head, 1 + time, 1 + time)`` attention
        weights; index 0 is [CLS]. Only with ``output_attentions``.
    """

    last_hidden_state: torch.Tensor | None = None
    cls_state: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


@dataclass
class BehavertMaskedPoseOutput(ModelOutput):
    """Output of ``BehavertForMaskedPoseModeling``.

    Attributes
    ----------
    loss
        Scalar reconstruction loss on masked, valid frames (when ``frame_mask``
        is given).
    logits
        ``(batch, time, feature)`` predicted frame feature vectors.
    hidden_states, attentions, cls_state
        As in ``BehavertModelOutput``.
    """

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None
    cls_state: torch.Tensor | None = None


@dataclass
class BehavertFrameClassifierOutput(ModelOutput):
    """Output of ``BehavertForFrameClassification``.

    Attributes
    ----------
    loss
        Scalar classification loss (when ``labels`` are given).
    logits
        ``(batch, time, class)`` unnormalised class scores per frame.
    hidden_states, attentions, cls_state
        As in ``BehavertModelOutput``.
    """

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None
    cls_state: torch.Tensor | None = None


@dataclass
class BehavertSequenceClassifierOutput(ModelOutput):
    """Output of ``BehavertForSequenceClassification``.

    Attributes
    ----------
    loss
        Scalar cross-entropy loss (when ``labels`` are given).
    logits
        ``(batch, class)`` unnormalised class scores per window.
    hidden_states, attentions, cls_state
        As in ``BehavertModelOutput``.
    """

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None
    cls_state: torch.Tensor | None = None
