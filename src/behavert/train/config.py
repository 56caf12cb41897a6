"""``TrainConfig``: every knob of the training loops, validated on creation."""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Any

from ..data.augment import check_augment
from ..errors import ConfigError

__all__ = [
    "FINETUNE_RECIPE",
    "MASK_MODES",
    "MIXED_PRECISION",
    "PRETRAIN_PRESET",
    "PRETRAIN_RECIPE",
    "PRETRAIN_SCHEDULE",
    "TrainConfig",
    "pretrain_warmup",
]

MASK_MODES = ("random", "span")
MIXED_PRECISION = ("auto", "no", "bf16", "fp16")

#: The pretraining recipe of ``behavert pretrain`` and the Pretrain dock (the
#: rat benchmark in docs/benchmarks.md): every window also drawn swapped and
#: mirrored, and half of them hide one animal for the model to reconstruct.
PRETRAIN_RECIPE: dict[str, Any] = {"augment": ("swap", "mirror"), "hide_animal": 0.5}
#: How long and how wide ``behavert pretrain`` and the Pretrain dock train by
#: default: the schedule and model size of the rat benchmark (4,000 steps of 32
#: windows, ``tiny``), where pretraining beat training from scratch at every
#: label budget; ``small`` pretrained did worse there (docs/benchmarks.md). A
#: 2-core CPU takes about 2 minutes for ``tiny``.
PRETRAIN_SCHEDULE: dict[str, Any] = {"max_steps": 4000, "batch_size": 32}
PRETRAIN_PRESET = "tiny"


def pretrain_warmup(steps: int) -> int:
    """Warm-up steps of a pretraining run of ``steps`` steps: 5 %, at most 200
    (the rat benchmark's 200 of 4,000)."""
    return min(200, max(1, int(steps) // 20))


#: The fine-tuning recipe of ``behavert train`` and the Train dock: nothing
#: added. Augmented windows helped on the rat sessions (+0.03 macro-F1 with
#: swap + mirror and label smoothing 0.1) but hurt on the ethome mice (F1 0.93
#: -> 0.80 with mirror, 300 steps), so they are an option (``--augment``, the
#: dock's Augment box), not the default (docs/benchmarks.md).
FINETUNE_RECIPE: dict[str, Any] = {}

#: Lower bounds of the integer and float settings (validated on creation).
_AT_LEAST = {
    "batch_size": 1,
    "warmup_steps": 0,
    "weight_decay": 0,
    "span_length": 1,
    "seed": 0,
    "checkpoint_every": 0,
    "eval_every": 0,
    "val_blocks": 1,
    "freeze_encoder_steps": 0,
    "log_every": 1,
}
_AT_LEAST_OR_NONE = {
    "max_steps": 1,
    "epochs": 1,
    "early_stopping_patience": 1,
    "grad_clip": 0,
}
#: whole-number settings (None allowed where _AT_LEAST_OR_NONE says so)
_INTEGERS = (
    "batch_size", "max_steps", "epochs", "warmup_steps", "span_length", "seed",
    "checkpoint_every", "eval_every", "early_stopping_patience", "val_blocks",
    "num_workers", "freeze_encoder_steps", "log_every",
)  # fmt: skip
#: real-number settings: finite (None allowed for dropout and grad_clip)
_REALS = (
    "lr", "weight_decay", "mask_ratio", "hide_animal", "val_fraction",
    "encoder_lr_scale", "label_smoothing", "dropout", "grad_clip",
)  # fmt: skip
_CHOICES = {
    "mask_mode": MASK_MODES,
    "mixed_precision": MIXED_PRECISION,
    "class_weights": (None, "balanced"),
}


@dataclass(frozen=True)
class TrainConfig:
    """Settings of ``pretrain``, ``finetune_frames`` and ``finetune_sequences``.

    Window and stride are architecture settings: they live in the model's
    ``BehavertConfig`` and are passed to the training functions as ``window=`` /
    ``stride=``.

    Parameters
    ----------
    lr
        Peak learning rate of AdamW (linear warm-up, then linear decay to 0).
    batch_size
        Windows per optimisation step (the *global* batch when distributed;
        it must then be divisible by the number of processes).
    max_steps
        Number of optimisation steps; used when ``epochs`` is None.
    epochs
        Passes over all training windows (overrides ``max_steps``).
    warmup_steps
        Steps of linear learning-rate warm-up.
    weight_decay
        AdamW weight decay (not applied to biases and LayerNorm weights).
    mask_ratio, mask_mode, span_length
        Masked pose modelling: share of frames masked per window, ``"random"``
        frames or ``"span"`` runs of ``span_length`` frames.
    hide_animal
        Masked pose modelling of several animals: the chance that a window
        also hides one animal throughout (its features and the pair's are
        reconstructed from the other animal; ``behavert.data.hiding``).
    seed
        Seeds weights, window order, masks and dropout; the same seed gives the
        same loss sequence on CPU.
    checkpoint_every
        Write a checkpoint every N steps (0: only at the end); needs ``out``.
    eval_every
        Evaluate on the validation block every N steps (0: never).
    early_stopping_patience
        Stop after this many evaluations without improvement (None: never);
        the best weights are restored at the end.
    val_fraction, val_blocks
        Share of each labelled recording held out for validation, cut into
        ``val_blocks`` time blocks (see ``time_block_split``); 0 disables it.
    device
        ``"auto"`` (CUDA, then MPS, then CPU), or a torch device string.
    mixed_precision
        ``"auto"`` (bf16 on CUDA, none elsewhere), ``"no"``, ``"bf16"`` or
        ``"fp16"``; only CUDA ever uses autocast.
    grad_clip
        Max gradient norm (None or 0: no clipping).
    num_workers
        Data-loading worker processes (must be 0: windows are built in memory).
    freeze_encoder_steps
        Fine-tuning: train only the head for this many first steps.
    encoder_lr_scale
        The encoder learns at ``lr * encoder_lr_scale``, the head at ``lr``
        (below 1 keeps more of what pretraining learned).
    augment
        Label-preserving variants that training windows are also drawn from
        (``behavert.data.augment``): ``"swap"`` (the animals' order; for
        behaviours of the pair, not of one animal) and ``"mirror"`` (x -> -x).
        Pretraining and frame classification; validation never.
    label_smoothing
        Cross-entropy label smoothing (single-label frame classification).
    class_weights
        ``"balanced"`` (inverse class frequency on the training frames, the
        rarest class at most 50x the most frequent, normalised to mean 1) or
        None.
    dropout
        Overrides the model's hidden and classifier dropout (None: keep);
        attention dropout stays the model's (``BehavertConfig``, 0 by default).
    log_every
        Yield a ``TrainEvent`` every N steps (evaluations and the last step are
        always reported).
    """

    lr: float = 1e-3
    batch_size: int = 8
    max_steps: int | None = 200
    epochs: int | None = None
    warmup_steps: int = 10
    weight_decay: float = 0.01
    mask_ratio: float = 0.15
    mask_mode: str = "random"
    span_length: int = 5
    hide_animal: float = 0.0
    seed: int = 0
    checkpoint_every: int = 0
    eval_every: int = 0
    early_stopping_patience: int | None = None
    val_fraction: float = 0.0
    val_blocks: int = 1
    device: str = "auto"
    mixed_precision: str = "auto"
    grad_clip: float | None = 1.0
    num_workers: int = 0
    freeze_encoder_steps: int = 0
    encoder_lr_scale: float = 1.0
    augment: tuple[str, ...] = ()
    label_smoothing: float = 0.0
    class_weights: str | None = None
    dropout: float | None = None
    log_every: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "augment", check_augment(self.augment))
        problems = self._type_problems()
        if not problems:
            problems = [message for ok, message in self._checks() if not ok]
        if problems:
            raise ConfigError("invalid TrainConfig: " + "; ".join(problems))

    def _type_problems(self) -> list[str]:
        """Settings that are not a whole / finite number (before range checks)."""
        problems = []
        for name in _INTEGERS:
            value = getattr(self, name)
            whole = isinstance(value, numbers.Integral) and not isinstance(value, bool)
            if not (whole or value is None):
                problems.append(f"{name} must be a whole number, got {value!r}")
        for name in _REALS:
            value = getattr(self, name)
            if value is None and name in ("dropout", "grad_clip"):
                continue
            real = isinstance(value, numbers.Real) and not isinstance(value, bool)
            if not (real and math.isfinite(value)):
                problems.append(f"{name} must be a finite number, got {value!r}")
        return problems

    def _checks(self) -> list[tuple[bool, str]]:
        """``(ok, message)`` of every rule (all are reported together)."""
        checks = [
            (self.lr > 0, f"lr must be > 0, got {self.lr}"),
            (
                0 < self.encoder_lr_scale <= 1,
                f"encoder_lr_scale must be in (0, 1], got {self.encoder_lr_scale}",
            ),
        ]
        for name, low in _AT_LEAST.items():
            value = getattr(self, name)
            checks.append((value >= low, f"{name} must be >= {low}, got {value}"))
        for name, low in _AT_LEAST_OR_NONE.items():
            value = getattr(self, name)
            checks.append(
                (
                    value is None or value >= low,
                    f"{name} must be >= {low} or None, got {value}",
                )
            )
        for name, choices in _CHOICES.items():
            value = getattr(self, name)
            checks.append(
                (value in choices, f"{name} must be one of {choices}, got {value!r}")
            )
        dropout = self.dropout
        return checks + [
            (
                self.max_steps is not None or self.epochs is not None,
                "set max_steps or epochs",
            ),
            (
                0 < self.mask_ratio < 1,
                f"mask_ratio must be in (0, 1), got {self.mask_ratio}",
            ),
            (
                0 <= self.hide_animal <= 1,
                f"hide_animal must be in [0, 1], got {self.hide_animal}",
            ),
            (
                0 <= self.val_fraction < 1,
                f"val_fraction must be in [0, 1), got {self.val_fraction}",
            ),
            (
                0 <= self.label_smoothing < 1,
                f"label_smoothing must be in [0, 1), got {self.label_smoothing}",
            ),
            (
                dropout is None or 0 <= dropout < 1,
                f"dropout must be in [0, 1) or None, got {dropout}",
            ),
            (
                isinstance(self.device, str) and bool(self.device),
                "device must be a string such as 'auto', 'cpu' or 'cuda'",
            ),
            (self.num_workers == 0, "num_workers must be 0 (windows live in memory)"),
        ]

    def total_steps(self, n_windows: int) -> int:
        """Number of optimisation steps for ``n_windows`` training windows."""
        if self.epochs is not None:
            per_epoch = max(1, -(-n_windows // self.batch_size))
            return self.epochs * per_epoch
        assert self.max_steps is not None
        return self.max_steps

    def replace(self, **changes: Any) -> TrainConfig:
        """Return a validated copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-serialisable)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Build from a dict, rejecting unknown keys by name."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"unknown TrainConfig keys: {unknown}")
        return cls(**data)
