"""What a training run is built from: seeds, tokenizer, window and model config.

Shared by ``pretrain``, ``finetune_*`` and ``transfer``. Window and stride are
architecture settings: their one home is the model's ``BehavertConfig``, and
:func:`training_window` resolves and validates them for training.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ..errors import ConfigError
from ..io.poses import Poses
from .config import TrainConfig

__all__ = [
    "DEFAULT_WINDOW",
    "MAX_WINDOW",
    "MIN_WINDOW",
    "augmented_features",
    "fit_tokenizer",
    "init_model",
    "model_config",
    "seed_everything",
    "training_window",
]

DEFAULT_WINDOW = 64
MIN_WINDOW, MAX_WINDOW = 64, 512
_NOT_SETTINGS = ("architectures", "transformers_version", "model_type")


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch RNGs."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def fit_tokenizer(poses_list: Sequence[Poses], tokenizer: Any = None) -> Any:
    """Return ``tokenizer``, or a default ``PoseTokenizer`` fitted on the poses."""
    if tokenizer is not None:
        return tokenizer
    from ..data.tokenizer import PoseTokenizer, TokenizerConfig

    return PoseTokenizer(TokenizerConfig()).fit(list(poses_list))


def augmented_features(
    tokenizer: Any, poses_list: Sequence[Poses], augment: Sequence[str]
) -> list[list[np.ndarray]]:
    """Features of every augmented variant: ``[variant][recording]``.

    The recordings as they are (variant 0) are not included; ``[]`` without
    augmentations (`behavert.data.augment.pose_variants`).
    """
    from ..data.augment import pose_variants
    from ..inference.runner import features_of

    if not augment:
        return []
    per = [pose_variants(p, augment)[1:] for p in poses_list]
    n = min(len(v) for v in per)  # a single animal has no "swap" variants
    return [[features_of(tokenizer, v[k]) for v in per] for k in range(n)]


def feature_size(tokenizer: Any) -> int:
    """Length of one frame's feature vector."""
    size = getattr(tokenizer, "feature_size", None)
    return int(size) if size is not None else len(tokenizer.feature_names)


def training_window(
    window: int | None, stride: int | None, base: Any = None
) -> tuple[int, int]:
    """``(window, stride)`` to train with, validated.

    Parameters
    ----------
    window, stride
        The caller's choice; None takes the ``base`` configuration's (an init
        or source model's ``BehavertConfig``) when there is one, else a window
        of 64 frames and a stride of half the window.

    Raises
    ------
    ConfigError
        When the window is not 64 to 512 frames or the stride not 1 to window.
    """
    if window is None:
        window = int(base.window) if base is not None else DEFAULT_WINDOW
        if stride is None and base is not None and int(base.stride) <= window:
            stride = int(base.stride)
    window = int(window)
    stride = int(stride) if stride is not None else window // 2
    problems = []
    if not MIN_WINDOW <= window <= MAX_WINDOW:
        problems.append(f"window must be {MIN_WINDOW} to {MAX_WINDOW}, got {window}")
    if not 1 <= stride <= window:
        problems.append(f"stride must be 1 to window ({window}), got {stride}")
    if problems:
        raise ConfigError("invalid training window: " + "; ".join(problems))
    return window, stride


def model_config(
    config: Any,
    tokenizer: Any,
    train_config: TrainConfig,
    *,
    window: int | None = None,
    stride: int | None = None,
    **overrides: Any,
):
    """A ``BehavertConfig`` from a preset name or config, fitted to the data.

    Parameters
    ----------
    config
        A preset name (None: ``"tiny"``) or a ``BehavertConfig`` whose window
        and stride are kept unless ``window`` / ``stride`` are given.
    window, stride
        As in :func:`training_window`.
    **overrides
        Any other configuration value (e.g. the head's class names).
    """
    from ..model import BehavertConfig

    base = None if config is None or isinstance(config, str) else config
    window, stride = training_window(window, stride, base)
    values = {
        "feature_size": feature_size(tokenizer),
        "window": window,
        "stride": stride,
    }
    if train_config.dropout is not None:
        values.update(
            hidden_dropout_prob=train_config.dropout,
            classifier_dropout=train_config.dropout,
        )
    values.update(overrides)
    if base is None:
        values["max_position_embeddings"] = max(513, window + 1)
        return BehavertConfig.from_preset(config or "tiny", **values)
    data = base.to_dict()
    data.update(values)
    data["max_position_embeddings"] = max(base.max_position_embeddings, window + 1)
    for key in _NOT_SETTINGS:
        data.pop(key, None)
    return BehavertConfig(**data)


def init_model(
    init: Any,
    head_cls: type,
    poses_list: Sequence[Poses],
    *,
    tokenizer: Any = None,
    config: Any = "tiny",
    train_config: TrainConfig,
    window: int | None = None,
    stride: int | None = None,
    **head: Any,
):
    """Build ``head_cls`` with a fresh or pretrained encoder (and its tokenizer).

    Parameters
    ----------
    init
        None (fresh encoder from ``config``), a ``TrainedRun`` or a model (then
        ``tokenizer`` is required); the encoder weights are copied, the head
        is new.

    Returns
    -------
    tuple
        ``(model, tokenizer)``.
    """
    from .loop import TrainedRun

    encoder = None
    if isinstance(init, TrainedRun):
        encoder, tokenizer = init.model, init.tokenizer
    elif isinstance(init, (str, bytes)) or hasattr(init, "__fspath__"):
        raise TypeError(
            "init is a path: load the run first, e.g. "
            "TrainedRun(*load_run(resolve_run(path))[:2])"
        )
    elif init is not None:
        if tokenizer is None:
            raise ValueError("init is a model: pass the tokenizer it was trained with")
        encoder = init
    tokenizer = fit_tokenizer(poses_list, tokenizer)
    base = encoder.config if encoder is not None else config
    settings = model_config(
        base, tokenizer, train_config, window=window, stride=stride, **head
    )
    model = head_cls(settings)
    if encoder is not None:
        source = getattr(encoder, "behavert", encoder)
        model.behavert.load_state_dict(source.state_dict())
    return model, tokenizer
