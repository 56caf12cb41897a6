"""CalMS21 task 1 (classic classification): the public benchmark protocol.

Protocol (as in the CalMS21 paper and the MABe 2021 challenge, task 1): train on
the ``calms21_task1_train`` sequences, predict every frame of the
``calms21_task1_test`` sequences, and report per-class F1 and average precision
and their means over the three behaviours of interest (attack, investigation,
mount; ``other`` is the background and is not averaged). The published points
printed beside are the MABe 2021 top entry (macro F1 0.864, mAP 0.914) and the
CalMS21 1D-CNN baseline (0.793 / 0.856).

``behavert benchmark calms21 --data DIR`` runs it (:mod:`behavert.cli.benchmark`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FileProblemError

log = logging.getLogger(__name__)

__all__ = [
    "CALMS21_TASK1_REFERENCES",
    "find_calms21_task1",
    "format_calms21_task1",
    "run_calms21_task1",
    "score_calms21_task1",
]

#: Published reference points (test split; means over attack, investigation, mount).
CALMS21_TASK1_REFERENCES = {
    "MABe 2021 top entry": {"macro_f1": 0.864, "mean_ap": 0.914},
    "CalMS21 1D-CNN baseline": {"macro_f1": 0.793, "mean_ap": 0.856},
}
#: Behaviours the task-1 means are taken over.
TASK1_BEHAVIOURS = ("attack", "investigation", "mount")


def find_calms21_task1(data_dir: str | Path) -> tuple[Path, Path]:
    """Find ``calms21_task1_train`` / ``_test`` (``.json``, else ``.npy``).

    Searches ``data_dir`` and its sub-folders (the published zip unpacks into
    ``task1_classic_classification/``).

    Raises
    ------
    FileProblemError
        When either file is missing.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileProblemError(data_dir, "no such folder")
    found = []
    for split in ("train", "test"):
        hits = []
        for suffix in (".json", ".npy"):
            hits = sorted(data_dir.rglob(f"calms21_task1_{split}{suffix}"))
            if hits:
                break
        if not hits:
            raise FileProblemError(
                data_dir,
                f"no calms21_task1_{split}.json (or .npy) inside; download "
                "task1_classic_classification.zip from data.caltech.edu "
                "(record s0vdx-0k302) and unpack it here",
            )
        found.append(hits[0])
    return found[0], found[1]


def load_calms21_task1(train_path: Path, test_path: Path, trust_pickle: bool):
    """``(train, test, names)``: ``(Poses, FrameLabels)`` pairs and the vocabulary.

    Raises
    ------
    FileProblemError
        When a sequence has no annotations or the vocabularies differ.
    """
    from ..io.calms21 import load_calms21

    train = load_calms21(train_path, trust_pickle=trust_pickle)
    test = load_calms21(test_path, trust_pickle=trust_pickle)
    for path, items in ((train_path, train), (test_path, test)):
        if any(lab is None for _, lab in items):
            raise FileProblemError(path, "a sequence has no annotations")
    names = train[0][1].names
    for path, items in ((train_path, train), (test_path, test)):
        if any(lab.names != names for _, lab in items):
            raise FileProblemError(path, f"vocabularies differ from {names}")
    return train, test, names


def default_train_config(quick: bool):
    """The protocol's ``TrainConfig``: a 20-step smoke run, or 4000 steps."""
    from ..train import TrainConfig

    if quick:
        return TrainConfig(max_steps=20, batch_size=8, warmup_steps=2, lr=1e-3)
    return TrainConfig(
        max_steps=4000,
        batch_size=32,
        warmup_steps=200,
        lr=5e-4,
        class_weights="balanced",
    )


def score_calms21_task1(
    y_true: np.ndarray, probs: np.ndarray, names: tuple[str, ...]
) -> dict:
    """Per-class F1 / AP and the task-1 means; ``probs (time, class)``."""
    from sklearn.metrics import f1_score

    from ..train.metrics import average_precision

    pred = probs.argmax(axis=1)
    f1 = f1_score(
        y_true, pred, labels=list(range(len(names))), average=None, zero_division=0
    )
    onehot = np.eye(len(names), dtype=bool)[y_true]
    ap = average_precision(onehot, probs, names=names)
    per_f1 = {n: float(v) for n, v in zip(names, f1)}
    per_ap = {n: ap[f"ap/{n}"] for n in names}
    of_interest = [n for n in TASK1_BEHAVIOURS if n in names]
    aps = [per_ap[n] for n in of_interest if not np.isnan(per_ap[n])]
    return {
        "per_class_f1": per_f1,
        "per_class_ap": per_ap,
        "macro_f1": float(np.mean([per_f1[n] for n in of_interest])),
        "mean_ap": float(np.mean(aps)) if aps else float("nan"),
        "macro_f1_all_classes": float(np.mean(f1)),
        "accuracy": float((pred == y_true).mean()),
        "averaged_over": list(of_interest),
    }


def predict_test(model, tokenizer, test, names, window: int) -> tuple:
    """``(y_true, probs)`` over every test frame, classes in ``names`` order."""
    from ..inference import predict_frames

    y_true, probs = [], []
    for poses, labels in test:
        pred = predict_frames(model, tokenizer, poses, window=window)
        order = [pred.names.index(n) for n in names]
        probs.append(np.asarray(pred.probabilities)[:, order])
        y_true.append(np.asarray(labels.values).argmax(axis=1))
    return np.concatenate(y_true), np.concatenate(probs)


def run_calms21_task1(
    data_dir: str | Path,
    *,
    preset: str | None = None,
    train_config: Any = None,
    quick: bool = False,
    init: Any = None,
    out: str | Path | None = None,
    trust_pickle: bool = False,
    callback: Callable[[Any], Any] | None = None,
    window: int | None = None,
) -> dict:
    """Run the CalMS21 task-1 protocol: train on train, score on test.

    Parameters
    ----------
    data_dir
        Folder holding ``calms21_task1_train.json`` and ``calms21_task1_test.json``
        (or the ``.npy`` versions, with ``trust_pickle=True``).
    preset
        Model preset; default ``"tiny"`` when ``quick`` else ``"small"``.
    train_config
        A ``TrainConfig``; default: a short run when ``quick`` (20 steps),
        else 4000 steps of batch 32, balanced class weights.
    quick
        Smoke settings (tiny model, few steps): checks the pipeline, not accuracy.
    init
        Optional pretrained ``TrainedRun`` (or model) to fine-tune from.
    out
        Optional training folder (checkpoints, the saved model).
    trust_pickle
        Allow reading the pickled ``.npy`` files.
    callback
        Called with every ``TrainEvent``.
    window
        Frames per window; default 64 when ``quick``, else 128.

    Returns
    -------
    dict
        ``macro_f1`` and ``mean_ap`` (means over attack, investigation, mount),
        ``per_class_f1`` / ``per_class_ap`` (all four classes),
        ``macro_f1_all_classes``, ``accuracy``, ``references`` (the published
        points), ``n_train_sequences``, ``n_train_frames``,
        ``n_test_sequences``, ``n_test_frames``, ``train_file``, ``test_file``,
        ``preset``, ``train_config``, ``window``, ``quick``.
    """
    import dataclasses

    from ..train import finetune_frames, run_to_end

    train_path, test_path = find_calms21_task1(data_dir)
    train, test, names = load_calms21_task1(train_path, test_path, trust_pickle)
    preset = preset or ("tiny" if quick else "small")
    tc = train_config or default_train_config(quick)
    window = window or (64 if quick else 128)
    log.info("CalMS21 task 1: %d train, %d test sequences", len(train), len(test))
    gen = finetune_frames(
        [p for p, _ in train],
        [lab for _, lab in train],
        init,
        config=preset,
        train_config=tc,
        out=out,
        background="other",
        window=window,
    )
    result = run_to_end(gen, callback)
    y_true, probs = predict_test(result.model, result.tokenizer, test, names, window)
    return {
        "task": "calms21_task1",
        **score_calms21_task1(y_true, probs, names),
        "references": CALMS21_TASK1_REFERENCES,
        "n_train_sequences": len(train),
        "n_train_frames": int(sum(p.n_frames for p, _ in train)),
        "n_test_sequences": len(test),
        "n_test_frames": int(sum(p.n_frames for p, _ in test)),
        "train_file": str(train_path),
        "test_file": str(test_path),
        "preset": preset,
        "train_config": dataclasses.asdict(tc),
        "window": window,
        "quick": bool(quick),
    }


def format_calms21_task1(result: dict) -> str:
    """A plain-text table of a :func:`run_calms21_task1` result and the references."""
    names = list(result["per_class_f1"])
    head = f"{'method':<28}{'macro F1':>9}{'mAP':>8}"
    lines = [
        f"CalMS21 task 1 (test: {result['n_test_sequences']} sequences, "
        f"{result['n_test_frames']} frames; train: {result['n_train_sequences']} "
        f"sequences, {result['n_train_frames']} frames)",
        f"means over {', '.join(result['averaged_over'])}",
        head,
        f"{'BehaVERT (' + result['preset'] + ')':<28}"
        f"{result['macro_f1']:>9.3f}{result['mean_ap']:>8.3f}",
    ]
    for ref, v in result["references"].items():
        lines.append(f"{ref:<28}{v['macro_f1']:>9.3f}{v['mean_ap']:>8.3f}")
    lines.append("")
    lines.append(f"{'class':<28}{'F1':>9}{'AP':>8}")
    for n in names:
        lines.append(
            f"{n:<28}{result['per_class_f1'][n]:>9.3f}{result['per_class_ap'][n]:>8.3f}"
        )
    if result.get("quick"):
        lines.append("(quick settings: a pipeline check, not a measurement)")
    return "\n".join(lines)
