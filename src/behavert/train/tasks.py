"""Training tasks: how each kind of run draws a batch and scores a model.

A :class:`~behavert.train.loop.Task` tells the engine (``train_task``) what to
optimise. Windows and masks come from ``behavert.data`` (``sample_windows``,
``stack_windows``, ``mask_frames``); window and stride are the model's
(``model.config``, their one home); validation runs through the public
``behavert.inference`` API.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ..data.augment import variant_choice
from ..data.hiding import animal_features, hide_animals
from ..data.masking import mask_frames
from ..data.splits import Segment
from ..data.windows import n_grid_windows, sample_windows, stack_windows
from ..inference.runner import window_settings
from .config import TrainConfig
from .loop import Task
from .metrics import average_precision, frame_metrics, sequence_metrics
from .run_folder import data_fingerprint

__all__ = [
    "draw_windows",
    "frame_task",
    "masked_pose_task",
    "recording_logits",
    "sequence_task",
]


def _share(n: int, rank: int, world: int) -> slice:
    """This process's slice of a global batch of ``n`` windows."""
    return slice(rank * n // world, (rank + 1) * n // world)


def draw_windows(
    variants: Sequence[Sequence[np.ndarray]], picks, window: int, generator
) -> tuple[np.ndarray, np.ndarray]:
    """Stack ``(item, start)`` windows, each from a random variant of its item.

    ``variants[v][item]`` is variant ``v`` (``behavert.data.augment``) of an
    item; with one variant nothing is drawn from ``generator``.
    """
    choice = variant_choice(len(picks), len(variants), generator)
    n = len(variants[0])
    flat = [a for v in variants for a in v]
    moved = [(item + int(c) * n, start) for (item, start), c in zip(picks, choice)]
    return stack_windows(flat, moved, window)


def masked_pose_task(
    phase: str,
    model,
    tokenizer,
    features: Sequence[np.ndarray],
    tc: TrainConfig,
    variants: Sequence[Sequence[np.ndarray]] = (),
) -> Task:
    """The masked-pose-modelling ``Task``: random windows, masks drawn per step.

    Parameters
    ----------
    phase
        Name reported in the events (``"pretrain"``, ``"realign"``, ...).
    features
        One ``(time, feature)`` array per recording.
    variants
        Augmented copies of ``features`` (``[variant][recording]``), drawn
        from at random with the originals.
    """
    window, stride = window_settings(model)
    lengths = [len(f) for f in features]
    every = [features, *variants]
    hiding = _animal_hiding(tokenizer, tc)

    def make_batch(step, gen, rank, world):
        picks = sample_windows(lengths, window, stride, tc.batch_size, gen)
        x, valid = draw_windows(every, picks, window, gen)
        masks = mask_frames(
            len(picks),
            window,
            tc.mask_ratio,
            tc.mask_mode,
            tc.span_length,
            valid=torch.from_numpy(valid),
            generator=gen,
        )
        part = _share(len(picks), rank, world)
        batch = {
            "inputs": torch.from_numpy(x[part]),
            "attention_mask": torch.from_numpy(valid[part].astype(np.int64)),
            "frame_mask": masks[part],
        }
        if hiding is not None:
            shown, hidden = hide_animals(
                torch.from_numpy(x), *hiding, tc.hide_animal,
                torch.from_numpy(valid), gen,
            )  # fmt: skip
            batch.update(
                inputs=shown[part],
                targets=torch.from_numpy(x[part]),
                target_mask=hidden[part],
            )
        return batch

    return Task(
        phase=phase,
        model=model,
        tokenizer=tokenizer,
        n_windows=n_grid_windows(lengths, window, stride),
        make_batch=make_batch,
        info={"data": data_fingerprint(features)},
    )


def _animal_hiding(tokenizer, tc: TrainConfig):
    """``(hidden, flags)`` tensors of `animal_features`, or None (not hiding)."""
    individuals = list(getattr(tokenizer, "individuals", None) or [])
    if tc.hide_animal == 0 or len(individuals) < 2:
        return None
    hidden, flags = animal_features(
        tokenizer.feature_groups, individuals, tokenizer.feature_size
    )
    return torch.from_numpy(hidden), torch.from_numpy(flags)


# ------------------------------------------------------------ frame labels
def _smoothed_loss(label_smoothing: float):
    """Cross-entropy with label smoothing (single-label frame classification)."""

    def compute_loss(m, batch):
        out = m(inputs=batch["inputs"], attention_mask=batch["attention_mask"])
        w = m.config.class_weights if hasattr(m, "config") else None
        weight = None if w is None else out.logits.new_tensor(w)
        labels = batch["labels"].masked_fill(batch["attention_mask"] == 0, -100)
        if not (labels != -100).any():
            # a batch of unlabelled frames only (sparse labels): no signal, and
            # cross_entropy would return 0 / 0 = nan
            return out.logits.sum() * 0.0
        return torch.nn.functional.cross_entropy(
            out.logits.flatten(0, 1),
            labels.flatten(),
            weight=weight,
            ignore_index=-100,
            label_smoothing=label_smoothing,
        )

    return compute_loss


def _frame_scores(t: np.ndarray, p: np.ndarray, multi: bool, names) -> dict:
    """Validation metrics of frame probabilities ``p`` against targets ``t``."""
    if multi:
        from sklearn.metrics import f1_score

        keep = (t >= 0).all(axis=1)
        pred = p[keep] > 0.5
        f1 = float(f1_score(t[keep] > 0.5, pred, average="macro", zero_division=0))
        res = {"macro_f1": f1, **average_precision(t[keep] > 0.5, p[keep], names=names)}
    else:
        res = frame_metrics(t, p.argmax(1), probabilities=p, names=names)
    res["score"] = res["macro_f1"]
    return res


def frame_task(
    model,
    tokenizer,
    features: Sequence[np.ndarray],
    targets: Sequence[np.ndarray],
    segments: tuple[list[Segment], list[Segment]],
    tc: TrainConfig,
    *,
    multi: bool,
    names: Sequence[str],
    variants: Sequence[Sequence[np.ndarray]] = (),
) -> Task:
    """The per-frame classification ``Task`` (phase ``"frames"``).

    Parameters
    ----------
    variants
        Augmented copies of ``features`` (``[variant][recording]``): training
        windows come from them at random too, validation never.
    targets
        One ``(time,)`` int64 (single-label) or ``(time, class)`` float32
        (multi-label) array per recording.
    segments
        ``(train, val)`` segments (``behavert.data.splits.split_segments``);
        validation (stitched probabilities over each validation block) scores
        macro-F1.
    """
    from ..inference import stitched_probabilities

    window, stride = window_settings(model)
    train_segments, val_segments = segments
    seg_x = [[f[i][a:b] for i, a, b in train_segments] for f in (features, *variants)]
    seg_y = [targets[i][a:b] for i, a, b in train_segments]
    lengths = [len(x) for x in seg_y]
    fill = -1.0 if multi else -100

    def make_batch(step, gen, rank, world):
        picks = sample_windows(lengths, window, stride, tc.batch_size, gen)
        part = picks[_share(len(picks), rank, world)]
        x, valid = draw_windows(seg_x, part, window, gen)
        y, _ = stack_windows(seg_y, part, window, fill)
        return {
            "inputs": torch.from_numpy(x),
            "attention_mask": torch.from_numpy(valid.astype(np.int64)),
            "labels": torch.from_numpy(y),
        }

    def evaluate(m) -> dict:
        probs = [
            stitched_probabilities(m, features[i][a:b], window, stride, tc.batch_size)
            for i, a, b in val_segments
        ]
        truth = [targets[i][a:b] for i, a, b in val_segments]
        return _frame_scores(np.concatenate(truth), np.concatenate(probs), multi, names)

    smoothing = bool(tc.label_smoothing) and not multi
    return Task(
        phase="frames",
        model=model,
        tokenizer=tokenizer,
        n_windows=n_grid_windows(lengths, window, stride),
        make_batch=make_batch,
        compute_loss=_smoothed_loss(tc.label_smoothing) if smoothing else None,
        evaluate=evaluate if val_segments else None,
        info={
            "frame_labels": list(names),
            "data": data_fingerprint(features, targets),
        },
    )


# --------------------------------------------------------- sequence labels
def recording_logits(
    model, features: Sequence[np.ndarray], segments: Sequence[Segment], batch_size=16
) -> dict[int, torch.Tensor]:
    """Sequence logits of every window, per recording: ``{recording: logits}``."""
    from ..inference import window_logits

    window, stride = window_settings(model)
    per: dict[int, list] = {}
    for i, a, b in segments:
        per.setdefault(i, []).extend(
            window_logits(model, features[i][a:b], window, stride, batch_size)
        )
    return {i: torch.cat(per[i]) for i in sorted(per)}


def sequence_task(
    model,
    tokenizer,
    features: Sequence[np.ndarray],
    groups: Sequence[int],
    segments: tuple[list[Segment], list[Segment]],
    tc: TrainConfig,
    *,
    names: Sequence[str],
) -> Task:
    """The per-window (recording-level) classification ``Task`` (``"sequences"``).

    Parameters
    ----------
    groups
        The class index of every recording.
    segments
        ``(train, val)`` segments (``behavert.data.splits.split_segments``);
        validation aggregates each recording's windows (``score`` = mean
        log-probability of the true group).
    """
    from ..model import aggregate_recording

    window, stride = window_settings(model)
    train_segments, val_segments = segments
    seg_x = [features[i][a:b] for i, a, b in train_segments]
    lengths = [len(x) for x in seg_x]

    def make_batch(step, gen, rank, world):
        picks = sample_windows(lengths, window, stride, tc.batch_size, gen)
        part = picks[_share(len(picks), rank, world)]
        x, valid = stack_windows(seg_x, part, window)
        ys = [groups[train_segments[j][0]] for j, _ in part]
        return {
            "inputs": torch.from_numpy(x),
            "attention_mask": torch.from_numpy(valid.astype(np.int64)),
            "labels": torch.tensor(ys, dtype=torch.int64),
        }

    def evaluate(m) -> dict:
        per = recording_logits(m, features, val_segments, tc.batch_size)
        probs = np.stack([aggregate_recording(x).numpy() for x in per.values()])
        truth = np.array([groups[i] for i in per])
        res = sequence_metrics(truth, probs, names=names)
        true_p = np.clip(probs[np.arange(len(truth)), truth], 1e-9, 1)
        res["score"] = float(np.log(true_p).mean())
        return res

    return Task(
        phase="sequences",
        model=model,
        tokenizer=tokenizer,
        n_windows=n_grid_windows(lengths, window, stride),
        make_batch=make_batch,
        evaluate=evaluate if val_segments else None,
        info={
            "sequence_labels": list(names),
            "data": data_fingerprint(features, groups),
        },
    )
