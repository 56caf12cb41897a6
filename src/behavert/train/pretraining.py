"""``pretrain``: masked pose modelling on unlabelled recordings (a generator)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..inference.runner import features_of
from ..io.poses import Poses
from .build import augmented_features, fit_tokenizer, model_config, seed_everything
from .config import TrainConfig
from .loop import train_task
from .run import save_result
from .tasks import masked_pose_task

__all__ = ["pretrain"]


def pretrain(
    poses_list: Sequence[Poses],
    tokenizer: Any = None,
    config: Any = "tiny",
    train_config: TrainConfig | None = None,
    out: str | Path | None = None,
    resume: bool = True,
    cancel: Callable[[], bool] | None = None,
    *,
    window: int | None = None,
    stride: int | None = None,
    overwrite: bool = False,
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
        ``feature_size`` is filled from the tokenizer.
    train_config
        Optimisation and masking settings (default ``TrainConfig()``).
    out
        Folder for ``checkpoints/`` and the final ``model/`` (``save_run``);
        checked and locked for the run (``behavert.train.run_folder``).
    resume
        Continue from the last checkpoint in ``out`` when it belongs to this
        run (else ``RunFolderError`` says what differs).
    cancel
        Called before each step; True stops cleanly (see ``behavert.train.loop``).
    window, stride
        Frames per window (64 to 512) and between window starts, written into
        the model's ``BehavertConfig``; None: ``config``'s when it is a
        ``BehavertConfig``, else 64 and half the window.
    overwrite
        Start afresh in an ``out`` holding a finished run or another run's
        checkpoints (refused without it).

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
    settings = model_config(config, tokenizer, tc, window=window, stride=stride)
    features = [features_of(tokenizer, p) for p in poses_list]
    model = BehavertForMaskedPoseModeling(settings)
    variants = augmented_features(tokenizer, poses_list, tc.augment)
    task = masked_pose_task("pretrain", model, tokenizer, features, tc, variants)
    result = yield from train_task(
        task, tc, out=out, resume=resume, cancel=cancel, overwrite=overwrite
    )
    save_result(result, tc)
    return result
