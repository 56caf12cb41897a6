"""BehaVERT: a BERT encoder over per-frame pose feature vectors, and its heads.

Frames are projected to the hidden size, a learned [CLS] vector is prepended and
masked frames are replaced by a learned [MASK] vector (``BehavertEmbeddings``);
``transformers.BertModel`` (fed ``inputs_embeds``) adds position embeddings,
LayerNorm, dropout and the transformer layers. SDPA attention is used unless
attention weights are requested, in which case the eager path runs (SDPA returns
no weights).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import torch
from torch import nn
from transformers import BertConfig, BertModel, PreTrainedModel
from transformers import initialization as init

from ..errors import ModelFileError
from .configuration import BehavertConfig
from .outputs import (
    BehavertFrameClassifierOutput,
    BehavertMaskedPoseOutput,
    BehavertModelOutput,
    BehavertSequenceClassifierOutput,
)
from .weights import check_model_folder


def _bert_config(config: BehavertConfig) -> BertConfig:
    """The inner ``BertConfig`` (one dummy token id; embeddings come as inputs)."""
    return BertConfig(
        vocab_size=1,
        type_vocab_size=1,
        pad_token_id=0,
        hidden_size=config.hidden_size,
        num_hidden_layers=config.num_hidden_layers,
        num_attention_heads=config.num_attention_heads,
        intermediate_size=config.intermediate_size,
        hidden_act=config.hidden_act,
        hidden_dropout_prob=config.hidden_dropout_prob,
        attention_probs_dropout_prob=config.attention_probs_dropout_prob,
        max_position_embeddings=config.max_position_embeddings,
        layer_norm_eps=config.layer_norm_eps,
        initializer_range=config.initializer_range,
        attn_implementation=config._attn_implementation or "sdpa",
    )


class BehavertPreTrainedModel(PreTrainedModel):
    """Weight initialisation, saving and loading shared by every BehaVERT model."""

    config_class = BehavertConfig
    base_model_prefix = "behavert"
    main_input_name = "inputs"
    _supports_sdpa = True
    _supports_attention_backend = True

    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)
        if isinstance(module, BehavertEmbeddings):
            init.normal_(module.cls_token, mean=0.0, std=self.config.initializer_range)
            init.normal_(module.mask_token, mean=0.0, std=self.config.initializer_range)

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        """Load a model folder, raising ``ModelFileError`` if it is unusable.

        Only local folders are accepted (BehaVERT never reaches the Hub), and
        only ``.safetensors`` weights (``use_safetensors=True``): a folder
        whose weights are a pickle (``pytorch_model.bin``, an index naming
        ``.bin`` shards) is refused before any of them is opened.
        """
        path = Path(pretrained_model_name_or_path)
        check_model_folder(path)
        kwargs["use_safetensors"] = True
        try:
            with _quiet_progress():
                return super().from_pretrained(path, *args, **kwargs)
        except ModelFileError:
            raise
        except Exception as err:  # safetensors, json, shape errors alike
            raise ModelFileError(path, f"cannot load the model: {err}") from err

    def save_pretrained(self, *args, **kwargs):
        """``PreTrainedModel.save_pretrained`` without transformers' progress bars."""
        with _quiet_progress():
            return super().save_pretrained(*args, **kwargs)


@contextlib.contextmanager
def _quiet_progress():
    """Silence transformers' per-shard progress bars (ours report progress)."""
    from transformers.utils import logging as hf_logging

    enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()


def load_pretrained(cls: type[BehavertPreTrainedModel], path, **kwargs):
    """``cls.from_pretrained(path)`` with errors as ``ModelFileError``.

    Parameters
    ----------
    cls
        A BehaVERT model class (``BehavertModel`` or a head).
    path
        A folder written by ``save_pretrained``.
    **kwargs
        Forwarded to ``from_pretrained`` (e.g. config overrides).
    """
    return cls.from_pretrained(path, **kwargs)


class BehavertEmbeddings(nn.Module):
    """Frame features -> ``(batch, 1 + time, hidden)`` token embeddings."""

    def __init__(self, config: BehavertConfig) -> None:
        super().__init__()
        self.projection = nn.Linear(config.feature_size, config.hidden_size)
        self.cls_token = nn.Parameter(torch.zeros(config.hidden_size))
        self.mask_token = nn.Parameter(torch.zeros(config.hidden_size))

    def forward(
        self, inputs: torch.Tensor, frame_mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Embed frames.

        Parameters
        ----------
        inputs
            ``(batch, time, feature)`` frame feature vectors.
        frame_mask
            ``(batch, time)`` bool, True where a frame is replaced by [MASK].

        Returns
        -------
        torch.Tensor
            ``(batch, 1 + time, hidden)``; index 0 is [CLS].
        """
        x = self.projection(inputs)
        if frame_mask is not None:
            x = torch.where(
                frame_mask.bool()[..., None], self.mask_token.to(x.dtype), x
            )
        cls = self.cls_token.to(x.dtype).expand(x.shape[0], 1, -1)
        return torch.cat([cls, x], dim=1)


class BehavertModel(BehavertPreTrainedModel):
    """The BehaVERT encoder (no head)."""

    def __init__(self, config: BehavertConfig) -> None:
        super().__init__(config)
        self.embeddings = BehavertEmbeddings(config)
        self.encoder = BertModel(_bert_config(config), add_pooling_layer=False)
        self.post_init()

    @contextlib.contextmanager
    def _eager_if(self, needed: bool) -> Iterator[None]:
        """Run the inner BERT with eager attention while ``needed``."""
        inner = self.encoder.config
        previous = inner._attn_implementation
        if needed and previous != "eager":
            inner._attn_implementation = "eager"
        try:
            yield
        finally:
            inner._attn_implementation = previous

    def forward(
        self,
        inputs: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        frame_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
        **kwargs,
    ) -> BehavertModelOutput:
        """Encode windows of frames.

        Parameters
        ----------
        inputs
            ``(batch, time, feature)`` float frame features.
        attention_mask
            ``(batch, time)``: 1 for real frames, 0 for padding; None = all real.
        frame_mask
            ``(batch, time)`` bool: frames replaced by the [MASK] vector.
        output_attentions
            Return per-layer ``(batch, head, 1 + time, 1 + time)`` attentions
            (computed with eager attention).
        output_hidden_states
            Return ``(batch, 1 + time, hidden)`` hidden states of every layer.
        """
        if inputs.ndim != 3 or inputs.shape[-1] != self.config.feature_size:
            raise ValueError(
                f"inputs must be (batch, time, feature={self.config.feature_size}), "
                f"got {tuple(inputs.shape)}; was the model trained with another "
                "tokenizer?"
            )
        batch, time, _ = inputs.shape
        if time + 1 > self.config.max_position_embeddings:
            raise ValueError(
                f"{time} frames do not fit max_position_embeddings "
                f"{self.config.max_position_embeddings} (one is [CLS])"
            )
        embeddings = self.embeddings(inputs, frame_mask)
        if attention_mask is None:
            full_mask = torch.ones(
                batch, time + 1, dtype=torch.long, device=inputs.device
            )
        else:
            cls_mask = torch.ones(batch, 1, dtype=torch.long, device=inputs.device)
            full_mask = torch.cat([cls_mask, attention_mask.long()], dim=1)
        with self._eager_if(output_attentions):
            out = self.encoder(
                inputs_embeds=embeddings,
                attention_mask=full_mask,
                output_attentions=output_attentions,
                output_hidden_states=output_hidden_states,
            )
        hidden = out.last_hidden_state
        return BehavertModelOutput(
            last_hidden_state=hidden[:, 1:],
            cls_state=hidden[:, 0],
            hidden_states=out.hidden_states if output_hidden_states else None,
            attentions=out.attentions if output_attentions else None,
        )


def _valid_frames(attention_mask: torch.Tensor | None, shape, device) -> torch.Tensor:
    """``(batch, time)`` bool of real (non-padding) frames."""
    if attention_mask is None:
        return torch.ones(shape, dtype=torch.bool, device=device)
    return attention_mask.bool()


class BehavertForMaskedPoseModeling(BehavertPreTrainedModel):
    """Pretraining head: reconstruct the feature vectors of masked frames."""

    def __init__(self, config: BehavertConfig) -> None:
        super().__init__(config)
        self.behavert = BehavertModel(config)
        self.head = nn.Sequential(
            nn.Linear(config.hidden_size, config.hidden_size),
            nn.GELU(),
            nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps),
            nn.Linear(config.hidden_size, config.feature_size),
        )
        self.post_init()

    def forward(
        self,
        inputs: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        frame_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
        targets: torch.Tensor | None = None,
        target_mask: torch.Tensor | None = None,
        **kwargs,
    ) -> BehavertMaskedPoseOutput:
        """Predict every frame's features; the loss covers masked real frames.

        ``frame_mask`` ``(batch, time)`` bool is drawn by the training loop
        (``behavert.data.masking.mask_frames``); without it no loss is computed.
        ``target_mask`` ``(batch, time, feature)`` bool adds entries to
        reconstruct (a hidden animal, ``behavert.data.hiding``), from
        ``targets`` (default ``inputs``); the loss is then their mean with
        the masked frames' entries. ``logits`` is ``(batch, time, feature)``.
        """
        out = self.behavert(
            inputs, attention_mask, frame_mask, output_attentions, output_hidden_states
        )
        logits = self.head(out.last_hidden_state)
        loss = None
        if frame_mask is not None:
            valid = _valid_frames(attention_mask, frame_mask.shape, inputs.device)
            selected = frame_mask.bool() & valid
            target = (inputs if targets is None else targets).to(logits.dtype)
            kind = self.config.pretrain_loss
            if target_mask is not None:
                where = (selected[..., None] | target_mask.bool()).to(logits.dtype)
                per = _reconstruction(kind, logits, target, "none")
                loss = (per * where).sum() / where.sum().clamp(min=1.0)
            elif selected.any():
                loss = _reconstruction(kind, logits[selected], target[selected])
            else:
                loss = logits.sum() * 0.0
        return BehavertMaskedPoseOutput(
            loss=loss,
            logits=logits,
            hidden_states=out.hidden_states,
            attentions=out.attentions,
            cls_state=out.cls_state,
        )


def _reconstruction(kind: str, pred, target, reduction: str = "mean"):
    """The pretraining loss (``config.pretrain_loss``) of predicted features."""
    if kind == "smooth_l1":
        return nn.functional.smooth_l1_loss(pred, target, reduction=reduction)
    return nn.functional.mse_loss(pred, target, reduction=reduction)


def _n_classes(labels: list[str], what: str) -> int:
    if not labels:
        raise ValueError(
            f"BehavertConfig.{what} is empty: name the classes before building the head"
        )
    return len(labels)


def _dropout(config: BehavertConfig) -> nn.Dropout:
    p = config.classifier_dropout
    return nn.Dropout(config.hidden_dropout_prob if p is None else p)


class BehavertClassifier(BehavertPreTrainedModel):
    """The encoder, dropout and a linear classifier over ``labels_field`` classes.

    The shared body of the frame and sequence heads; subclasses name the
    config field holding their class names and define ``forward``.
    """

    labels_field = ""

    def __init__(self, config: BehavertConfig) -> None:
        super().__init__(config)
        field = self.labels_field
        n_classes = _n_classes(getattr(config, field), field)
        self.behavert = BehavertModel(config)
        self.dropout = _dropout(config)
        self.classifier = nn.Linear(config.hidden_size, n_classes)
        self.post_init()


class BehavertForFrameClassification(BehavertClassifier):
    """One behaviour prediction per frame (like ``BertForTokenClassification``)."""

    labels_field = "frame_labels"

    def forward(
        self,
        inputs: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        frame_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
        **kwargs,
    ) -> BehavertFrameClassifierOutput:
        """Classify every frame.

        Parameters
        ----------
        labels
            ``(batch, time)`` long class indices, -100 ignored; or, with
            ``config.multi_label``, ``(batch, time, class)`` float 0/1 targets
            (negative entries ignored). Padding frames are always ignored.

        ``logits`` is ``(batch, time, class)``.
        """
        out = self.behavert(
            inputs, attention_mask, frame_mask, output_attentions, output_hidden_states
        )
        logits = self.classifier(self.dropout(out.last_hidden_state))
        loss = None
        if labels is not None:
            valid = _valid_frames(attention_mask, logits.shape[:2], logits.device)
            weights = self.config.class_weights
            weight = None if weights is None else logits.new_tensor(weights)
            if self.config.multi_label:
                target = labels.to(logits.dtype)
                keep = valid[..., None] & (target >= 0)
                per = nn.functional.binary_cross_entropy_with_logits(
                    logits, target.clamp(min=0), pos_weight=weight, reduction="none"
                )
                loss = (per * keep).sum() / keep.sum().clamp(min=1)
            else:
                target = labels.long().masked_fill(~valid, -100)
                loss = nn.functional.cross_entropy(
                    logits.reshape(-1, logits.shape[-1]),
                    target.reshape(-1),
                    weight=weight,
                    ignore_index=-100,
                )
                if not (target != -100).any():
                    loss = logits.sum() * 0.0
        return BehavertFrameClassifierOutput(
            loss=loss,
            logits=logits,
            hidden_states=out.hidden_states,
            attentions=out.attentions,
            cls_state=out.cls_state,
        )


class BehavertForSequenceClassification(BehavertClassifier):
    """One prediction per window from the [CLS] state (e.g. genotype)."""

    labels_field = "sequence_labels"

    def forward(
        self,
        inputs: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        frame_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
        **kwargs,
    ) -> BehavertSequenceClassifierOutput:
        """Classify windows: labels ``(batch,)`` long, logits ``(batch, class)``.

        The [CLS] state goes through dropout and a linear layer.
        """
        out = self.behavert(
            inputs, attention_mask, frame_mask, output_attentions, output_hidden_states
        )
        logits = self.classifier(self.dropout(out.cls_state))
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits, labels.long())
        return BehavertSequenceClassifierOutput(
            loss=loss,
            logits=logits,
            hidden_states=out.hidden_states,
            attentions=out.attentions,
            cls_state=out.cls_state,
        )

    @staticmethod
    def aggregate_recording(logits_per_window: torch.Tensor) -> torch.Tensor:
        """Recording-level probabilities: the mean of window probabilities.

        Parameters
        ----------
        logits_per_window
            ``(window, class)`` logits of every window of one recording.

        Returns
        -------
        torch.Tensor
            ``(class,)`` probabilities summing to 1.
        """
        logits = torch.as_tensor(logits_per_window)
        if logits.ndim != 2 or logits.shape[0] == 0:
            raise ValueError(
                f"logits_per_window must be (window, class) with at least one "
                f"window, got {tuple(logits.shape)}"
            )
        return torch.softmax(logits.float(), dim=-1).mean(dim=0)

    def recording_probabilities(self, logits_per_window: torch.Tensor) -> torch.Tensor:
        """Recording-level probabilities with the calibration learnt in training.

        Without ``config.sequence_calibration`` this is
        :meth:`aggregate_recording`. With it, the mean window log-probabilities
        ``s`` (class,) go through the fitted recording-level logistic model:
        ``softmax(coef @ s + intercept)``. The calibration corrects the bias of
        window-level training, where most windows of either group look alike
        and only some carry the evidence.
        """
        calibration = getattr(self.config, "sequence_calibration", None)
        if not calibration:
            return self.aggregate_recording(logits_per_window)
        logits = torch.as_tensor(logits_per_window).float()
        scores = torch.log_softmax(logits, dim=-1).mean(dim=0)
        coef = torch.tensor(calibration["coef"], dtype=torch.float32)
        intercept = torch.tensor(calibration["intercept"], dtype=torch.float32)
        return torch.softmax(coef @ scores + intercept, dim=-1)


aggregate_recording = BehavertForSequenceClassification.aggregate_recording
