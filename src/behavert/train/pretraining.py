"""``pretrain``: masked pose modelling on unlabelled recordings (a generator)."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..data.windows import window_starts
from ..io.poses import Poses
from .config import TrainConfig
from .loop import Task, TrainedRun, train_task

__all__ = [
    "crop",
    "draw_frame_mask",
    "featurise",
    "fit_tokenizer",
    "model_config",
    "finish",
    "pretrain",
    "seed_everything",
]


# --------------------------------------------------------------- data helpers
def fit_tokenizer(poses_list: Sequence[Poses], tokenizer: Any = None) -> Any:
    """Return ``tokenizer``, or a default ``PoseTokenizer`` fitted on the poses."""
    if tokenizer is not None:
        return tokenizer
    from ..data.tokenizer import PoseTokenizer, TokenizerConfig

    fitted = PoseTokenizer(TokenizerConfig()).fit(list(poses_list))
    return fitted


def feature_size(tokenizer: Any) -> int:
    """Length of one frame's feature vector."""
    size = getattr(tokenizer, "feature_size", None)
    return int(size) if size is not None else len(tokenizer.feature_names)


def featurise(tokenizer: Any, poses: Poses) -> np.ndarray:
    """``(time, feature)`` float32 features (skeleton checked first)."""
    tokenizer.check_compatible(poses)
    return np.ascontiguousarray(tokenizer.transform(poses), dtype=np.float32)


def model_config(config: Any, tokenizer: Any, train_config: TrainConfig, **overrides):
    """A ``BehavertConfig`` from a preset name or config, fitted to the data."""
    from ..model import BehavertConfig

    window, stride = train_config.window, train_config.effective_stride
    values = {
        "feature_size": feature_size(tokenizer),
        "window": window,
        "stride": stride,
        "mask_ratio": train_config.mask_ratio,
        "mask_mode": train_config.mask_mode,
        "span_length": train_config.span_length,
    }
    if train_config.dropout is not None:
        values.update(
            hidden_dropout_prob=train_config.dropout,
            attention_probs_dropout_prob=train_config.dropout,
            classifier_dropout=train_config.dropout,
        )
    values.update(overrides)
    if config is None:
        config = "tiny"
    if isinstance(config, str):
        values["max_position_embeddings"] = max(513, window + 1)
        return BehavertConfig.from_preset(config, **values)
    data = config.to_dict()
    data.update(values)
    data["max_position_embeddings"] = max(config.max_position_embeddings, window + 1)
    for key in ("architectures", "transformers_version", "model_type"):
        data.pop(key, None)
    return BehavertConfig(**data)


def crop(
    array: np.ndarray, start: int, window: int, fill: float
) -> tuple[np.ndarray, int]:
    """``array[start:start + window]`` padded with ``fill`` to ``window`` rows.

    Returns
    -------
    tuple
        The ``(window, ...)`` crop and the number of real rows.
    """
    part = array[start : start + window]
    n = len(part)
    if n == window:
        return part, n
    pad = np.full((window - n, *array.shape[1:]), fill, dtype=array.dtype)
    return np.concatenate([part, pad]), n


def sample_windows(
    lengths: Sequence[int], window: int, stride: int, n: int, generator: torch.Generator
) -> list[tuple[int, int]]:
    """Draw ``n`` (item, start) windows: uniform over the stride grid, jittered."""
    grid = [
        (i, s) for i, L in enumerate(lengths) for s in window_starts(L, window, stride)
    ]
    picks = torch.randint(len(grid), (n,), generator=generator).tolist()
    jitter = torch.randint(stride, (n,), generator=generator).tolist()
    out = []
    for p, j in zip(picks, jitter):
        i, s = grid[p]
        out.append((i, int(min(s + j, max(0, lengths[i] - window)))))
    return out


def n_grid_windows(lengths: Sequence[int], window: int, stride: int) -> int:
    """Number of windows on the stride grid (one epoch)."""
    return sum(len(window_starts(L, window, stride)) for L in lengths)


def draw_frame_mask(
    generator: torch.Generator,
    window: int,
    n_valid: int,
    ratio: float,
    mode: str = "random",
    span: int = 5,
) -> np.ndarray:
    """Frames to mask in one window: ``round(ratio * n_valid)`` (>= 1) real frames.

    Returns
    -------
    numpy.ndarray
        ``(window,)`` bool; padding frames (``>= n_valid``) are never masked.
    """
    mask = np.zeros(window, dtype=bool)
    k = max(1, int(round(ratio * n_valid)))
    if mode == "span":
        while mask[:n_valid].sum() < k:
            s = int(
                torch.randint(max(1, n_valid - span + 1), (1,), generator=generator)
            )
            mask[s : min(s + span, n_valid)] = True
    else:
        idx = torch.randperm(n_valid, generator=generator)[:k].numpy()
        mask[idx] = True
    return mask


# ------------------------------------------------------------------- pretrain
def pretrain(
    poses_list: Sequence[Poses],
    tokenizer: Any = None,
    config: Any = "tiny",
    train_config: TrainConfig | None = None,
    out: str | Path | None = None,
    resume: bool = True,
    cancel: Callable[[], bool] | None = None,
):
    """Pretrain a BehaVERT encoder by masked pose modelling (a generator).

    Parameters
    ----------
    poses_list
        Unlabelled recordings.
    tokenizer
        A fitted ``PoseTokenizer``; default: fitted on ``poses_list``.
    config
        A ``BehavertConfig`` or preset name (``"tiny"``, ``"small"``, ``"base"``);
        ``feature_size``, ``window`` and masking are filled from the data and
        ``train_config``.
    train_config
        Optimisation settings (default ``TrainConfig()``).
    out
        Folder for ``checkpoints/`` and the final ``model/`` (``save_run``).
    resume
        Continue from the last checkpoint in ``out`` if there is one.
    cancel
        Called before each step; True stops cleanly (see ``behavert.train.loop``).

    Yields
    ------
    TrainEvent
        After steps (every ``log_every``), phase ``"pretrain"``.

    Returns
    -------
    TrainedRun
        With a ``BehavertForMaskedPoseModeling`` model.
    """
    from ..model import BehavertForMaskedPoseModeling

    tc = train_config or TrainConfig()
    seed_everything(tc.seed)
    if not poses_list:
        raise ValueError("pretrain needs at least one recording")
    tokenizer = fit_tokenizer(poses_list, tokenizer)
    features = [featurise(tokenizer, p) for p in poses_list]
    model = BehavertForMaskedPoseModeling(model_config(config, tokenizer, tc))
    task = masked_pose_task("pretrain", model, tokenizer, features, tc)
    result = yield from train_task(task, tc, out=out, resume=resume, cancel=cancel)
    finish(result, tc)
    return result


def masked_pose_task(phase: str, model, tokenizer, features, tc: TrainConfig) -> Task:
    """The masked-pose-modelling ``Task``: random windows, masks drawn per step.

    Parameters
    ----------
    phase
        Name reported in the events (``"pretrain"``, ``"realign"``, ...).
    features
        One ``(time, feature)`` array per recording.
    """
    window, stride = tc.window, tc.effective_stride
    lengths = [len(f) for f in features]

    def make_batch(step, gen, rank, world):
        picks = sample_windows(lengths, window, stride, tc.batch_size, gen)
        xs, valid, masks = [], [], []
        for i, s in picks:
            x, n = crop(features[i], s, window, 0.0)
            xs.append(x)
            valid.append(np.arange(window) < n)
            masks.append(
                draw_frame_mask(
                    gen, window, n, tc.mask_ratio, tc.mask_mode, tc.span_length
                )
            )
        part = slice(rank * len(xs) // world, (rank + 1) * len(xs) // world)
        return {
            "inputs": torch.from_numpy(np.stack(xs[part])),
            "attention_mask": torch.from_numpy(np.stack(valid[part]).astype(np.int64)),
            "frame_mask": torch.from_numpy(np.stack(masks[part])),
        }

    return Task(
        phase=phase,
        model=model,
        tokenizer=tokenizer,
        n_windows=n_grid_windows(lengths, window, stride),
        make_batch=make_batch,
    )


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch RNGs."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def finish(result: TrainedRun, tc: TrainConfig, extra: dict | None = None) -> None:
    """Save the final model of a finished run to ``<out>/model`` (main process)."""
    if result.out is None or result.cancelled:
        return
    if int(os.environ.get("RANK", "0")) != 0:
        return
    from .run import save_run

    save_run(
        Path(result.out) / "model",
        result.model,
        result.tokenizer,
        {"metrics": result.metrics, "train_config": tc.to_dict(), **(extra or {})},
    )
