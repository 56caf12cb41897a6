"""``behavert transfer RUN --to POSES... --out DIR``: a run to another skeleton."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import (
    add_common,
    add_stream,
    drive,
    load_labels,
    load_poses_files,
    non_negative_int,
    train_config,
    trained_run,
    window_keywords,
)
from .inputs import add_project


def register(sub) -> None:
    p = sub.add_parser("transfer", help="adapt a run to another skeleton")
    p.add_argument("run", help="the pretrained run of the source skeleton")
    p.add_argument("--to", nargs="+", help="pose files, new skeleton (or --project)")
    add_project(p, dest="to")
    p.add_argument("--out", required=True, help="run folder")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="start afresh in an --out folder that holds a finished run or "
        "another run's checkpoints (they are replaced)",
    )
    p.add_argument("--mapping", help="keypoint mapping file (.yaml or .csv)")
    p.add_argument(
        "--force-mapping",
        action="store_true",
        help="transfer even when the automatic mapping feeds fewer than half "
        "of the new skeleton's keypoints",
    )
    p.add_argument("--labels", nargs="+", help="frame labels to fine-tune on")
    add_stream(p)
    p.add_argument("--realign-steps", type=non_negative_int, default=100)
    add_common(p, training=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the source run, the new skeleton's poses (and labels), transfer."""
    from ..io.mapping_file import load_mapping
    from ..train.config import FINETUNE_RECIPE, PRETRAIN_RECIPE
    from ..train.run_folder import check_out_folder
    from ..train.transfer import MIN_COVERAGE, transfer

    # before any work; --out must not be the source run's folder (real paths)
    check_out_folder(args.out, overwrite=args.overwrite, init=args.run)
    source = trained_run(args.run)
    source.out = Path(args.run)  # the core refuses to write into it
    poses_list = load_poses_files(args.to, args.likelihood_threshold, args.max_animals)
    labels = None
    if args.labels:
        labels = load_labels(args.labels, poses_list, args.stream, args.unscored)
    gen = transfer(
        source,
        target_poses_list=poses_list,
        mapping=load_mapping(args.mapping) if args.mapping else None,
        labels_list=labels,
        realign_steps=args.realign_steps,
        train_config=train_config(
            args,
            checkpoint_every=100,
            **(FINETUNE_RECIPE if labels else PRETRAIN_RECIPE),
        ),
        out=args.out,
        overwrite=args.overwrite,
        background="other",
        min_coverage=0.0 if args.force_mapping else MIN_COVERAGE,
        **window_keywords(args),
    )
    result = drive(gen, "transfer")
    share = result.metrics.get("transfer/mapped_features")
    if share is not None:
        print(
            f"{share:.0%} of the new skeleton's features start from the source "
            f"model (keypoint mapping: {Path(args.out) / 'keypoint_mapping.csv'})"
        )
    print(f"transferred model written to {Path(args.out) / 'model'}")
    return 0
