"""``behavert train POSES... --labels ... | --groups CSV --out DIR``: fine-tune."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import BehavertError
from .common import (
    add_common,
    add_max_gap,
    add_stream,
    drive,
    load_labels,
    load_poses_files,
    new_tokenizer,
    positive_int,
    train_config,
    trained_run,
    window_keywords,
)
from .inputs import add_poses


def register(sub) -> None:
    p = sub.add_parser("train", help="fine-tune a frame or sequence classifier")
    add_poses(p)
    p.add_argument("--labels", nargs="+", help="frame labels, one file per pose file")
    add_stream(p)
    p.add_argument("--groups", help="CSV mapping recording to group (sequence task)")
    p.add_argument("--init", help="a pretrained run folder")
    p.add_argument("--out", required=True, help="run folder")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="start afresh in an --out folder that holds a finished run or "
        "another run's checkpoints (they are replaced)",
    )
    p.add_argument("--val-fraction", type=float, default=0.2)
    p.add_argument("--eval-every", type=int, default=25)
    p.add_argument(
        "--patience",
        type=positive_int,
        default=None,
        help="stop after N validation scores without improvement and keep the "
        "best-scoring weights (default: no early stopping, the last step's weights "
        "are kept, as in the Train dock: a validation block cut from a few labelled "
        "recordings is too noisy to stop on; docs/benchmarks.md, rat sessions)",
    )
    p.add_argument(
        "--label-smoothing",
        type=float,
        default=None,
        help="cross-entropy label smoothing of frame classes (default 0)",
    )
    add_max_gap(p)
    add_common(p, training=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..train import finetune_frames, finetune_sequences
    from ..train.config import FINETUNE_RECIPE
    from ..train.run_folder import check_out_folder

    # before any work; --out must not be --init's folder (real paths compared)
    check_out_folder(args.out, overwrite=args.overwrite, init=args.init)
    poses_list = load_poses_files(
        args.poses, args.likelihood_threshold, args.max_animals
    )
    if args.groups:
        from ..io.labels import load_sequence_labels

        targets, finetune = load_sequence_labels(args.groups), finetune_sequences
    elif args.labels:
        targets = load_labels(args.labels, poses_list, args.stream, args.unscored)
        finetune = finetune_frames
    else:
        raise BehavertError("train needs --labels (frame labels) or --groups")
    if args.init and args.max_gap is not None:
        raise BehavertError(
            "--max-gap sets up a new tokenizer; a run given with --init keeps the "
            "tokenizer it was pretrained with (set --max-gap when pretraining)"
        )
    tc = train_config(
        args,
        val_fraction=args.val_fraction,
        eval_every=args.eval_every,
        early_stopping_patience=args.patience,
        class_weights="balanced",
        **FINETUNE_RECIPE,
    )
    gen = finetune(
        poses_list,
        targets,
        init=_init_run(args.init),
        tokenizer=new_tokenizer(args, poses_list),
        config=args.preset,
        train_config=tc,
        out=args.out,
        overwrite=args.overwrite,
        **window_keywords(args),
    )
    result = drive(gen, "train")
    print(f"model written to {Path(args.out) / 'model'}")
    print(json.dumps(result.metrics, indent=2))
    return 0


def _init_run(path: str | None):
    """The ``--init`` run, knowing its folder (the core refuses to write there)."""
    if not path:
        return None
    run = trained_run(path)
    run.out = Path(path)
    return run
