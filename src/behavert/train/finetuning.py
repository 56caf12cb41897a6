"""``finetune_frames`` and ``finetune_sequences``: supervised training (generators)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import LabelFileError
from ..io.labels import (
    FrameLabels,
    class_names_with_background,
    group_of,
    to_class_indices,
)
from ..io.poses import Poses
from .config import TrainConfig
from .loop import Task, TrainedRun, time_block_split, train_task
from .metrics import average_precision, frame_metrics, sequence_metrics
from .pretraining import (
    crop,
    featurise,
    finish,
    fit_tokenizer,
    model_config,
    n_grid_windows,
    sample_windows,
    seed_everything,
)

__all__ = ["finetune_frames", "finetune_sequences", "runs_of"]


def runs_of(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(start, stop)`` of the runs of True in a ``(time,)`` mask."""
    m = np.concatenate([[0], np.asarray(mask, dtype=np.int8), [0]])
    d = np.diff(m)
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def _init_model(init, head_cls, tokenizer, poses_list, config, tc, **head):
    """Build ``head_cls`` with a fresh or pretrained encoder (and its tokenizer)."""
    from .loop import TrainedRun as _Run
    from .run import load_run

    encoder = None
    if isinstance(init, _Run):
        encoder, tokenizer = init.model, init.tokenizer
    elif isinstance(init, (str, Path)):
        folder = Path(init)
        if not (folder / "config.json").exists() and (folder / "model").is_dir():
            folder = folder / "model"
        encoder, tokenizer, _ = load_run(folder)
    elif init is not None:
        if tokenizer is None:
            raise ValueError("init is a model: pass the tokenizer it was trained with")
        encoder = init
    tokenizer = fit_tokenizer(poses_list, tokenizer)
    base = encoder.config if encoder is not None else config
    model = head_cls(model_config(base, tokenizer, tc, **head))
    if encoder is not None:
        source = getattr(encoder, "behavert", encoder)
        model.behavert.load_state_dict(source.state_dict())
    return model, tokenizer


def _split(n: int, tc: TrainConfig) -> tuple[list, list]:
    train, val = time_block_split(n, tc.val_fraction, tc.val_blocks, gap=tc.window)
    return runs_of(train), runs_of(val)


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
            return labels.values.astype(np.float32), labels.names, True
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


def _balanced(targets: list[np.ndarray], n_classes: int, multi: bool) -> list[float]:
    if multi:
        stacked = np.concatenate(targets)
        pos = (stacked > 0.5).sum(0).astype(float)
        neg = len(stacked) - pos
        return np.clip(neg / np.maximum(pos, 1), 1.0, 100.0).tolist()
    flat = np.concatenate(targets)
    counts = np.bincount(flat[flat >= 0], minlength=n_classes).astype(float)
    w = np.where(counts > 0, counts.sum() / (n_classes * np.maximum(counts, 1)), 1.0)
    return (w / w.mean()).tolist()


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
        None (fresh encoder from ``config``), a run folder (``save_run`` or a
        training ``out`` folder), a ``TrainedRun`` or a model (then pass
        ``tokenizer``); the encoder weights are copied, the head is new.
    tokenizer, config, train_config, out, resume, cancel
        As in ``pretrain``. ``train_config.val_fraction`` holds out time blocks
        for validation (reported as ``val/...`` metrics and used for early
        stopping with ``score`` = macro-F1).
    class_names
        Names for integer labels.

    Returns
    -------
    TrainedRun
        With a ``BehavertForFrameClassification`` model whose
        ``config.frame_labels`` are the class names.
    """
    from ..inference import stitched_probabilities
    from ..model import BehavertForFrameClassification

    tc = train_config or TrainConfig()
    seed_everything(tc.seed)
    if len(poses_list) != len(labels_list) or not poses_list:
        raise ValueError(
            f"{len(poses_list)} recordings but {len(labels_list)} label sets"
        )
    parsed = [
        _targets(lab, p.n_frames, background, class_names)
        for p, lab in zip(poses_list, labels_list)
    ]
    names, multi = parsed[0][1], parsed[0][2]
    for _, other, other_multi in parsed[1:]:
        if tuple(other) != tuple(names) or other_multi != multi:
            raise ValueError(
                f"label classes differ between recordings: {names} vs {other}"
            )
    targets = [t for t, _, _ in parsed]
    head = {"frame_labels": list(names), "multi_label": multi, "class_weights": None}
    train_segments, val_segments = [], []
    for i, p in enumerate(poses_list):
        tr, va = _split(p.n_frames, tc)
        train_segments += [(i, a, b) for a, b in tr]
        val_segments += [(i, a, b) for a, b in va]
    if tc.class_weights == "balanced":
        used = [targets[i][a:b] for i, a, b in train_segments]
        head["class_weights"] = _balanced(used, len(names), multi)
    model, tokenizer = _init_model(
        init, BehavertForFrameClassification, tokenizer, poses_list, config, tc, **head
    )
    features = [featurise(tokenizer, p) for p in poses_list]
    seg_x = [features[i][a:b] for i, a, b in train_segments]
    seg_y = [targets[i][a:b] for i, a, b in train_segments]
    window, stride = tc.window, tc.effective_stride
    lengths = [len(x) for x in seg_x]
    fill = -1.0 if multi else -100

    def make_batch(step, gen, rank, world):
        picks = sample_windows(lengths, window, stride, tc.batch_size, gen)
        part = picks[rank * len(picks) // world : (rank + 1) * len(picks) // world]
        xs, ys, valid = [], [], []
        for j, s in part:
            x, n = crop(seg_x[j], s, window, 0.0)
            y, _ = crop(seg_y[j], s, window, fill)
            xs.append(x)
            ys.append(y)
            valid.append(np.arange(window) < n)
        return {
            "inputs": torch.from_numpy(np.stack(xs)),
            "attention_mask": torch.from_numpy(np.stack(valid).astype(np.int64)),
            "labels": torch.from_numpy(np.stack(ys)),
        }

    compute_loss = None
    if tc.label_smoothing and not multi:

        def compute_loss(m, batch):
            out = m(inputs=batch["inputs"], attention_mask=batch["attention_mask"])
            w = m.config.class_weights if hasattr(m, "config") else None
            weight = None if w is None else out.logits.new_tensor(w)
            return torch.nn.functional.cross_entropy(
                out.logits.flatten(0, 1),
                batch["labels"]
                .masked_fill(batch["attention_mask"] == 0, -100)
                .flatten(),
                weight=weight,
                ignore_index=-100,
                label_smoothing=tc.label_smoothing,
            )

    def evaluate(m) -> dict:
        probs, truth = [], []
        for i, a, b in val_segments:
            probs.append(
                stitched_probabilities(
                    m, features[i][a:b], window, stride, tc.batch_size
                )
            )
            truth.append(targets[i][a:b])
        p, t = np.concatenate(probs), np.concatenate(truth)
        if multi:
            from sklearn.metrics import f1_score

            keep = (t >= 0).all(axis=1)
            pred = p[keep] > 0.5
            f1 = float(f1_score(t[keep] > 0.5, pred, average="macro", zero_division=0))
            res = {
                "macro_f1": f1,
                **average_precision(t[keep] > 0.5, p[keep], names=names),
            }
        else:
            res = frame_metrics(t, p.argmax(1), probabilities=p, names=names)
        res["score"] = res["macro_f1"]
        return res

    task = Task(
        phase="frames",
        model=model,
        tokenizer=tokenizer,
        n_windows=n_grid_windows(lengths, window, stride),
        make_batch=make_batch,
        compute_loss=compute_loss,
        evaluate=evaluate if val_segments else None,
        info={"frame_labels": list(names)},
    )
    result = yield from train_task(task, tc, out=out, resume=resume, cancel=cancel)
    finish(result, tc)
    return result


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
):
    """Train a per-window (recording-level) classifier, e.g. genotype (a generator).

    Parameters
    ----------
    poses_list
        Recordings.
    groups
        One group name per recording, or a mapping from recording file name /
        stem to group (``load_sequence_labels``) matched on ``poses.path``.
    init, tokenizer, config, train_config, out, resume, cancel
        As in ``finetune_frames``; validation blocks are aggregated per
        recording (``score`` = mean log-probability of the true group).
    group_names
        Class order (default: sorted group names).

    Returns
    -------
    TrainedRun
        With a ``BehavertForSequenceClassification`` model.
    """
    from ..inference import window_logits
    from ..model import BehavertForSequenceClassification, aggregate_recording

    tc = train_config or TrainConfig()
    seed_everything(tc.seed)
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
        raise ValueError(f"{len(poses_list)} recordings but {len(groups)} groups")
    names = tuple(group_names or sorted(set(groups)))
    y = [names.index(g) for g in groups]
    model, tokenizer = _init_model(
        init,
        BehavertForSequenceClassification,
        tokenizer,
        poses_list,
        config,
        tc,
        sequence_labels=list(names),
    )
    features = [featurise(tokenizer, p) for p in poses_list]
    train_segments, val_segments = [], []
    for i, p in enumerate(poses_list):
        tr, va = _split(p.n_frames, tc)
        train_segments += [(i, a, b) for a, b in tr]
        val_segments += [(i, a, b) for a, b in va]
    window, stride = tc.window, tc.effective_stride
    lengths = [b - a for _, a, b in train_segments]

    def make_batch(step, gen, rank, world):
        picks = sample_windows(lengths, window, stride, tc.batch_size, gen)
        part = picks[rank * len(picks) // world : (rank + 1) * len(picks) // world]
        xs, valid, ys = [], [], []
        for j, s in part:
            i, a, b = train_segments[j]
            x, n = crop(features[i][a:b], s, window, 0.0)
            xs.append(x)
            valid.append(np.arange(window) < n)
            ys.append(y[i])
        return {
            "inputs": torch.from_numpy(np.stack(xs)),
            "attention_mask": torch.from_numpy(np.stack(valid).astype(np.int64)),
            "labels": torch.tensor(ys, dtype=torch.int64),
        }

    def evaluate(m) -> dict:
        per: dict[int, list] = {}
        for i, a, b in val_segments:
            per.setdefault(i, []).extend(
                window_logits(m, features[i][a:b], window, stride, tc.batch_size)
            )
        rec = sorted(per)
        probs = np.stack([aggregate_recording(torch.cat(per[i])).numpy() for i in rec])
        truth = np.array([y[i] for i in rec])
        res = sequence_metrics(truth, probs, names=names)
        res["score"] = float(
            np.log(np.clip(probs[np.arange(len(rec)), truth], 1e-9, 1)).mean()
        )
        return res

    task = Task(
        phase="sequences",
        model=model,
        tokenizer=tokenizer,
        n_windows=n_grid_windows(lengths, window, stride),
        make_batch=make_batch,
        evaluate=evaluate if val_segments else None,
        info={"sequence_labels": list(names)},
    )
    result: TrainedRun = yield from train_task(
        task, tc, out=out, resume=resume, cancel=cancel
    )
    if not result.cancelled:
        segments = val_segments or train_segments
        scores = {}
        for i, a, b in segments:
            scores.setdefault(i, []).extend(
                window_logits(result.model, features[i][a:b], window, stride)
            )
        calibration = fit_recording_calibration(
            [torch.cat(scores[i]) for i in sorted(scores)],
            [y[i] for i in sorted(scores)],
            len(names),
        )
        result.model.config.sequence_calibration = calibration
        result.metrics["calibrated_on"] = "validation" if val_segments else "training"
    finish(result, tc)
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
