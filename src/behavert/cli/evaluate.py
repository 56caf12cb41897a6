"""``behavert evaluate RUN POSES... --labels ... [--probe]``: frame metrics.

Metrics of a frame model's predictions, or (``--probe``) of a linear probe on
any run's frozen encoder (`behavert.train.probe.linear_probe`).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from ..errors import BehavertError
from .common import (
    add_common,
    add_stream,
    fraction,
    load_labels,
    load_model,
    load_poses_files,
    non_negative_int,
    write_json,
)
from .inputs import add_poses


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="metrics of a frame model on labelled poses")
    p.add_argument("run")
    add_poses(p)
    p.add_argument("--labels", nargs="+", required=True)
    add_stream(p)
    p.add_argument(
        "--min-bout", type=non_negative_int, default=0, help="smooth bouts (frames)"
    )
    p.add_argument(
        "--probe",
        action="store_true",
        help="linear probe of the frozen encoder (any run, pretrained ones too): "
        "a logistic regression on its frame tokens, trained on the first "
        "recordings (or the first 70%% of one) and scored on the rest",
    )
    p.add_argument("--probe-test-fraction", type=fraction, default=0.3)
    p.add_argument("--out", help="write metrics as JSON here")
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    model, tokenizer, _ = load_model(args.run)
    poses_list = load_poses_files(
        args.poses, args.likelihood_threshold, args.max_animals
    )
    labels = load_labels(args.labels, poses_list, args.stream, args.unscored)
    if args.probe:
        from ..train.probe import linear_probe

        metrics = linear_probe(
            model,
            tokenizer,
            poses_list,
            labels,
            test_fraction=args.probe_test_fraction,
        )
    else:
        metrics = evaluate_frames(model, tokenizer, poses_list, labels, args.min_bout)
    print(json.dumps(metrics, indent=2))
    if args.out:
        write_json(args.out, metrics)
        print(f"wrote {args.out}")
    return 0


def evaluate_frames(model, tokenizer, poses_list, labels_list, min_bout: int = 0):
    """Per-frame metrics of a frame model on labelled recordings (pooled frames)."""
    import numpy as np

    from ..inference import predict_frames
    from ..train.metrics import bout_recall, frame_metrics, smooth_bouts

    names = list(model.config.frame_labels)
    ys, preds, probs = [], [], []
    for poses, labels in zip(poses_list, labels_list):
        pred = predict_frames(model, tokenizer, poses)
        p = smooth_bouts(pred.labels, min_bout) if min_bout > 1 else pred.labels
        ys.append(model_class_indices(labels, names))
        preds.append(p)
        probs.append(pred.probabilities)
    y, p, pr = np.concatenate(ys), np.concatenate(preds), np.concatenate(probs)
    keep = y >= 0
    metrics = frame_metrics(y[keep], p[keep], probabilities=pr[keep], names=names)
    for k, name in enumerate(names):
        if (y == k).any():
            recall = bout_recall(y == k, p == k)
            metrics[f"bout_recall/{name}"] = recall["bout_recall"]
    return metrics


def model_class_indices(labels, names: Sequence[str]):
    """``(time,)`` indices of ``labels`` in the model's class order ``names``.

    ``io.labels.to_class_indices`` numbers the label file's classes; this
    renumbers them in the model's order. Frames without any behaviour get the
    background class (the model class that is not among the label file's
    behaviours, e.g. ``other``) or -1 (ignored) when the model has none.
    """
    import numpy as np

    from ..io.labels import class_names_with_background, to_class_indices

    names = list(names)
    missing = [n for n in labels.names if n not in names]
    if missing:
        raise BehavertError(
            f"{labels.path}: behaviours {missing} are not among the model's "
            f"classes {names}"
        )
    background = next((n for n in names if n not in labels.names), None)
    if background is None:  # a name of neither: its frames are ignored (-1)
        background = "_".join(("none", *labels.names))
    own = class_names_with_background(labels, background)
    order = np.array([names.index(n) if n in names else -1 for n in own])
    index = to_class_indices(labels, background)
    return np.where(index >= 0, order[np.clip(index, 0, None)], -1)
