"""``finetune_frames`` and ``finetune_sequences``: supervised training (generators)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..data.splits import split_segments
from ..errors import ConfigError, LabelFileError
from ..inference.runner import features_of
from ..io.labels import (
    FrameLabels,
    class_names_with_background,
    group_of,
    to_class_indices,
)
from ..io.poses import Poses
from .build import augmented_features, init_model, seed_everything
from .config import TrainConfig
from .label_checks import check_frame_classes, check_groups
from .loop import TrainedRun, train_task
from .run import save_result
from .tasks import frame_task, recording_logits, sequence_task

__all__ = ["finetune_frames", "finetune_sequences", "fit_recording_calibration"]


def _targets(labels: Any, n_frames: int, background: str, names=None):
    """(targets, names, multi): ``(time,)`` int64 or ``(time, class)`` float32."""
    if isinstance(labels, FrameLabels):
        if labels.n_frames != n_frames:
            raise LabelFileError(
                labels.path,
                f"the labels have {labels.n_frames} frames but the poses have "
                f"{n_frames} frames",
            )
        if labels.multi_label:
            values = labels.values.astype(np.float32)
            if labels.scored is not None:
                values[~labels.scored] = -1.0  # ignored by the model's loss
            return values, labels.names, True
        return (
            to_class_indices(labels, background),
            class_names_with_background(labels, background),
            False,
        )
    array = np.asarray(labels)
    if len(array) != n_frames:
        raise LabelFileError(
            None, f"the labels have {len(array)} frames but the poses have {n_frames}"
        )
    if array.ndim == 2:
        k = array.shape[1]
        return array.astype(np.float32), tuple(names or map(str, range(k))), True
    k = int(array.max()) + 1
    return array.astype(np.int64), tuple(names or map(str, range(k))), False


#: "balanced" class weights: the rarest class weighs at most this many times
#: the most frequent one (inverse frequency alone gave a 16-frame class 1,700x
#: the weight of the background, and the model predicted it everywhere)
MAX_WEIGHT_RATIO = 50.0


def _balanced(targets: list[np.ndarray], n_classes: int, multi: bool) -> list[float]:
    if multi:
        stacked = np.concatenate(targets)
        pos = (stacked > 0.5).sum(0).astype(float)
        neg = len(stacked) - pos
        return np.clip(neg / np.maximum(pos, 1), 1.0, 100.0).tolist()
    flat = np.concatenate(targets)
    counts = np.bincount(flat[flat >= 0], minlength=n_classes).astype(float)
    w = np.where(counts > 0, counts.sum() / (n_classes * np.maximum(counts, 1)), 1.0)
    if (counts > 0).any():
        w = np.minimum(w, w[counts > 0].min() * MAX_WEIGHT_RATIO)
    return (w / w.mean()).tolist()


def _segments(poses_list, tc: TrainConfig, window: int):
    """Training and validation segments; a window of frames separates them.

    Raises
    ------
    ConfigError
        When no training frame is left (recordings too short for validation
        blocks a window apart), naming the recordings and the ways out.
    """
    n_frames = [p.n_frames for p in poses_list]
    segments = split_segments(n_frames, tc.val_fraction, tc.val_blocks, gap=window)
    if not segments[0]:
        sizes = ", ".join(
            f"{Path(p.path).name if p.path else f'recording {i}'}: {p.n_frames}"
            for i, p in enumerate(poses_list)
        )
        raise ConfigError(
            f"no frame is left to train on ({sizes} frames): validation blocks "
            f"({tc.val_fraction:.0%}) kept one window ({window} frames) apart "
            "take them all; use longer recordings, a smaller --window or "
            "--val-fraction 0"
        )
    return segments


def _frame_targets(labels_list, poses_list, background, class_names):
    """``(targets, names, multi)`` of every recording (one class vocabulary)."""
    if len(poses_list) != len(labels_list) or not poses_list:
        raise ConfigError(
            f"{len(poses_list)} recordings but {len(labels_list)} label sets: "
            "give one label set per recording"
        )
    parsed = [
        _targets(lab, p.n_frames, background, class_names)
        for p, lab in zip(poses_list, labels_list)
    ]
    names, multi = parsed[0][1], parsed[0][2]
    for _, other, other_multi in parsed[1:]:
        if tuple(other) != tuple(names) or other_multi != multi:
            raise ConfigError(
                f"label classes differ between recordings: {names} vs {other}; "
                "give every label file the same behaviour columns"
            )
    return [t for t, _, _ in parsed], tuple(names), multi


def finetune_frames(
    poses_list: Sequence[Poses],
    labels_list: Sequence[Any],
    init: Any = None,
    *,
    tokenizer: Any = None,
    config: Any = "tiny",
    train_config: TrainConfig | None = None,
    out: str | Path | None = None,
    resume: bool = True,
    cancel: Callable[[], bool] | None = None,
    background: str = "other",
    class_names: Sequence[str] | None = None,
    window: int | None = None,
    stride: int | None = None,
    overwrite: bool = False,
):
    """Train a per-frame behaviour classifier (a generator).

    Parameters
    ----------
    poses_list
        Labelled recordings.
    labels_list
        One per recording: ``FrameLabels`` (single-label ones get a
        ``background`` class), a ``(time,)`` int array or a ``(time, class)``
        0/1 array (multi-label).
    init
        None (fresh encoder from ``config``), a ``TrainedRun`` or a model (then
        pass ``tokenizer``); the encoder weights are copied, the head is new.
        A saved run is loaded first: ``TrainedRun(*load_run(resolve_run(p))[:2])``.
    tokenizer, config, train_config, out, resume, cancel, overwrite
        As in ``pretrain``. ``out`` must not be the folder of ``init``
        (``init.out``), lie inside it or contain it (``RunFolderError``).
        ``train_config.val_fraction`` holds out time blocks
        for validation (reported as ``val/...`` metrics and used for early
        stopping with ``score`` = macro-F1).
    class_names
        Names for integer labels.
    window, stride
        As in ``pretrain``; None: ``init``'s when given.

    Returns
    -------
    TrainedRun
        With a ``BehavertForFrameClassification`` model whose
        ``config.frame_labels`` are the class names.
    """
    from ..model import BehavertForFrameClassification

    tc = train_config or TrainConfig()
    seed_everything(tc.seed)
    targets, names, multi = _frame_targets(
        labels_list, poses_list, background, class_names
    )
    check_frame_classes(
        targets, names, multi, [getattr(lab, "path", None) for lab in labels_list]
    )
    head = {"frame_labels": list(names), "multi_label": multi, "class_weights": None}
    model, tokenizer = init_model(
        init,
        BehavertForFrameClassification,
        poses_list,
        tokenizer=tokenizer,
        config=config,
        train_config=tc,
        window=window,
        stride=stride,
        **head,
    )
    segments = _segments(poses_list, tc, model.config.window)
    if tc.class_weights == "balanced":
        used = [targets[i][a:b] for i, a, b in segments[0]]
        model.config.class_weights = _balanced(used, len(names), multi)
    features = [features_of(tokenizer, p) for p in poses_list]
    task = frame_task(
        model,
        tokenizer,
        features,
        targets,
        segments,
        tc,
        multi=multi,
        names=names,
        variants=augmented_features(tokenizer, poses_list, tc.augment),
    )
    result = yield from train_task(
        task,
        tc,
        out=out,
        resume=resume,
        cancel=cancel,
        overwrite=overwrite,
        init=init,
    )
    save_result(result, tc)
    return result


def _groups_of(poses_list, groups) -> list[str]:
    """One group name per recording (a mapping is matched on ``poses.path``)."""
    if isinstance(groups, Mapping):
        found = []
        for p in poses_list:
            g = group_of(dict(groups), p.path) if p.path is not None else None
            if g is None:
                raise LabelFileError(p.path, "the recording has no group in the table")
            found.append(g)
        groups = found
    groups = [str(g) for g in groups]
    if len(groups) != len(poses_list) or not poses_list:
        raise ConfigError(
            f"{len(poses_list)} recordings but {len(groups)} groups: give one "
            "group per recording"
        )
    return groups


def finetune_sequences(
    poses_list: Sequence[Poses],
    groups: Sequence[str] | Mapping[str, str],
    init: Any = None,
    *,
    tokenizer: Any = None,
    config: Any = "tiny",
    train_config: TrainConfig | None = None,
    out: str | Path | None = None,
    resume: bool = True,
    cancel: Callable[[], bool] | None = None,
    group_names: Sequence[str] | None = None,
    window: int | None = None,
    stride: int | None = None,
    overwrite: bool = False,
):
    """Train a per-window (recording-level) classifier, e.g. genotype (a generator).

    Parameters
    ----------
    poses_list
        Recordings.
    groups
        One group name per recording, or a mapping from recording file name /
        stem to group (``load_sequence_labels``) matched on ``poses.path``.
    init, tokenizer, config, train_config, out, resume, cancel, window, stride,
    overwrite
        As in ``finetune_frames``; validation blocks are aggregated per
        recording (``score`` = mean log-probability of the true group).
    group_names
        Class order (default: sorted group names).

    Returns
    -------
    TrainedRun
        With a ``BehavertForSequenceClassification`` model whose
        ``config.sequence_calibration`` is fitted after training (on the
        validation blocks, else the training ones).
    """
    from ..model import BehavertForSequenceClassification

    tc = train_config or TrainConfig()
    seed_everything(tc.seed)
    groups = _groups_of(poses_list, groups)
    check_groups(groups)
    names = tuple(group_names or sorted(set(groups)))
    y = [names.index(g) for g in groups]
    model, tokenizer = init_model(
        init,
        BehavertForSequenceClassification,
        poses_list,
        tokenizer=tokenizer,
        config=config,
        train_config=tc,
        window=window,
        stride=stride,
        sequence_labels=list(names),
    )
    features = [features_of(tokenizer, p) for p in poses_list]
    segments = _segments(poses_list, tc, model.config.window)
    task = sequence_task(model, tokenizer, features, y, segments, tc, names=names)
    result: TrainedRun = yield from train_task(
        task,
        tc,
        out=out,
        resume=resume,
        cancel=cancel,
        overwrite=overwrite,
        init=init,
    )
    if not result.cancelled:
        train_segments, val_segments = segments
        scores = recording_logits(
            result.model, features, val_segments or train_segments
        )
        result.model.config.sequence_calibration = fit_recording_calibration(
            list(scores.values()), [y[i] for i in scores], len(names)
        )
        result.metrics["calibrated_on"] = "validation" if val_segments else "training"
    save_result(result, tc)
    return result


def fit_recording_calibration(
    logits: Sequence[torch.Tensor], groups: Sequence[int], n_classes: int
) -> dict | None:
    """Fit the recording-level aggregator of a sequence model.

    Each recording's windows give mean log-probabilities ``s`` ``(class,)``.
    The aggregator is ``softmax(a * s + b)`` with a scale ``a > 0`` and a bias
    ``b`` (``b[0] = 0``) fitted by maximum likelihood (lightly regularised) on
    the given recordings: it corrects the window-level bias (most windows of
    either group look alike, so averaged probabilities lean to one group) and
    the confidence, but with ``a > 0`` it can never invert the model's ranking
    of recordings. Returns ``{"coef": a * identity, "intercept": b}`` as lists,
    or None when fewer than two groups are present.
    """
    from scipy.optimize import minimize

    groups = np.asarray(groups, dtype=np.int64)
    if len(np.unique(groups)) < 2:
        return None
    scores = np.stack(
        [torch.log_softmax(x.float(), -1).mean(0).double().numpy() for x in logits]
    )

    def nll(theta: np.ndarray) -> float:
        a, b = np.exp(theta[0]), np.r_[0.0, theta[1:]]
        z = a * scores + b
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        reg = 0.01 * (theta[0] ** 2 + (theta[1:] ** 2).sum())
        return float(-logp[np.arange(len(groups)), groups].mean() + reg)

    theta = minimize(nll, np.zeros(n_classes), method="L-BFGS-B").x
    a, b = float(np.exp(theta[0])), np.r_[0.0, theta[1:]]
    return {"coef": (a * np.eye(n_classes)).tolist(), "intercept": b.tolist()}
