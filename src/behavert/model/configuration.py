"""``BehavertConfig``: the one home of BehaVERT model hyperparameters."""

from __future__ import annotations

from typing import Any

from transformers import PretrainedConfig

from ..errors import ConfigError

#: Named sizes: (hidden_size, num_hidden_layers, num_attention_heads,
#: intermediate_size). ``base`` is the paper's BERT-base; ``small`` is the CPU
#: default; ``tiny`` is for tests.
PRESETS: dict[str, dict[str, int]] = {
    "base": {
        "hidden_size": 768,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "intermediate_size": 3072,
    },
    "small": {
        "hidden_size": 256,
        "num_hidden_layers": 4,
        "num_attention_heads": 4,
        "intermediate_size": 1024,
    },
    "tiny": {
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
    },
}

PRETRAIN_LOSSES = ("mse", "smooth_l1")

#: Keys older ``config.json`` files may hold that are no longer model settings.
LEGACY_KEYS = ("mask_ratio", "mask_mode", "span_length")


class BehavertConfig(PretrainedConfig):
    """Configuration of a BehaVERT encoder and its heads.

    Parameters
    ----------
    feature_size
        Length of one frame's feature vector (``PoseTokenizer.feature_size``).
    hidden_size, num_hidden_layers, num_attention_heads, intermediate_size
        Transformer size (as in BERT).
    hidden_act
        Activation of the feed-forward blocks.
    hidden_dropout_prob, attention_probs_dropout_prob
        Dropout probabilities. Attention dropout is 0 by default: on a CPU it
        forces PyTorch's slow attention path and drops a mask per score
        (2.3x slower pretraining steps at window 200; docs/benchmarks.md);
        models saved with another value keep it.
    max_position_embeddings
        Longest sequence, [CLS] included; must be at least ``window + 1``.
    layer_norm_eps, initializer_range
        As in BERT.
    pretrain_loss
        ``"mse"`` or ``"smooth_l1"`` for masked pose modelling.
    multi_label
        Frame classification with independent (sigmoid) classes.
    class_weights
        One weight per frame class (cross-entropy weight or BCE ``pos_weight``),
        or None.
    frame_labels, sequence_labels
        Class names of the frame and sequence heads.
    window, stride
        Window length and stride (frames) used for training and inference:
        their one home (the training functions write them here).
    classifier_dropout
        Dropout before the classification heads (None: ``hidden_dropout_prob``).
    **kwargs
        Forwarded to ``transformers.PretrainedConfig``. The masking keys of
        older ``config.json`` files (``mask_ratio``, ``mask_mode``,
        ``span_length``: training settings, now only in ``TrainConfig``) are
        dropped.
    """

    model_type = "behavert"

    def __init__(
        self,
        feature_size: int = 64,
        hidden_size: int = 256,
        num_hidden_layers: int = 4,
        num_attention_heads: int = 4,
        intermediate_size: int = 1024,
        hidden_act: str = "gelu",
        hidden_dropout_prob: float = 0.1,
        attention_probs_dropout_prob: float = 0.0,
        max_position_embeddings: int = 513,
        layer_norm_eps: float = 1e-12,
        initializer_range: float = 0.02,
        pretrain_loss: str = "mse",
        multi_label: bool = False,
        class_weights: list[float] | None = None,
        frame_labels: list[str] | None = None,
        sequence_labels: list[str] | None = None,
        window: int = 64,
        stride: int = 32,
        classifier_dropout: float | None = None,
        **kwargs: Any,
    ) -> None:
        self.feature_size = int(feature_size)
        self.hidden_size = int(hidden_size)
        self.num_hidden_layers = int(num_hidden_layers)
        self.num_attention_heads = int(num_attention_heads)
        self.intermediate_size = int(intermediate_size)
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = float(hidden_dropout_prob)
        self.attention_probs_dropout_prob = float(attention_probs_dropout_prob)
        self.max_position_embeddings = int(max_position_embeddings)
        self.layer_norm_eps = float(layer_norm_eps)
        self.initializer_range = float(initializer_range)
        self.pretrain_loss = pretrain_loss
        self.multi_label = bool(multi_label)
        self.class_weights = (
            None if class_weights is None else [float(w) for w in class_weights]
        )
        self.frame_labels = list(frame_labels) if frame_labels else []
        self.sequence_labels = list(sequence_labels) if sequence_labels else []
        self.window = int(window)
        self.stride = int(stride)
        self.classifier_dropout = classifier_dropout
        for key in LEGACY_KEYS:
            kwargs.pop(key, None)
        super().__init__(**kwargs)
        self._validate()

    # --------------------------------------------------------------- checks
    def _validate(self) -> None:
        problems = []
        if self.feature_size < 1:
            problems.append(f"feature_size must be >= 1, got {self.feature_size}")
        if self.hidden_size % self.num_attention_heads:
            problems.append(
                f"hidden_size {self.hidden_size} is not a multiple of "
                f"num_attention_heads {self.num_attention_heads}"
            )
        if self.window < 1 or self.stride < 1:
            problems.append(
                f"window {self.window} and stride {self.stride} must be >= 1"
            )
        if self.max_position_embeddings < self.window + 1:
            problems.append(
                f"max_position_embeddings {self.max_position_embeddings} must be >= "
                f"window + 1 = {self.window + 1} (the [CLS] token takes one position)"
            )
        if self.pretrain_loss not in PRETRAIN_LOSSES:
            problems.append(
                f"pretrain_loss must be one of {PRETRAIN_LOSSES}, "
                f"got {self.pretrain_loss!r}"
            )
        n_weights = None if self.class_weights is None else len(self.class_weights)
        if self.frame_labels and n_weights not in (None, len(self.frame_labels)):
            problems.append(
                f"{n_weights} class_weights for {len(self.frame_labels)} frame_labels"
            )
        if problems:
            raise ConfigError("invalid BehavertConfig: " + "; ".join(problems))

    # ------------------------------------------------------------- helpers
    @property
    def n_frame_labels(self) -> int:
        """Number of frame classes (``len(frame_labels)``)."""
        return len(self.frame_labels)

    @property
    def n_sequence_labels(self) -> int:
        """Number of sequence classes (``len(sequence_labels)``)."""
        return len(self.sequence_labels)

    @classmethod
    def from_preset(cls, name: str, **overrides: Any) -> BehavertConfig:
        """Build a configuration from a named size.

        Parameters
        ----------
        name
            ``"base"`` (768/12/12/3072, the paper), ``"small"`` (256/4/4/1024,
            CPU default) or ``"tiny"`` (32/2/2/64, tests).
        **overrides
            Any other configuration value (e.g. ``feature_size``).
        """
        if name not in PRESETS:
            raise ConfigError(
                f"unknown BehavertConfig preset {name!r}; choose one of {list(PRESETS)}"
            )
        return cls(**{**PRESETS[name], **overrides})
