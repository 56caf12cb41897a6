"""``behavert pretrain POSES... --out DIR``: masked pose modelling."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .common import add_common, drive, load_poses_files, train_config, window_keywords


def register(sub) -> None:
    p = sub.add_parser("pretrain", help="masked pose modelling on unlabelled poses")
    p.add_argument("poses", nargs="+")
    p.add_argument("--out", required=True, help="run folder")
    add_common(p, training=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..train import pretrain

    poses_list = load_poses_files(args.poses, args.likelihood_threshold)
    tc = train_config(args, checkpoint_every=100)
    gen = pretrain(
        poses_list,
        config=args.preset,
        train_config=tc,
        out=args.out,
        **window_keywords(args),
    )
    result = drive(gen, "pretrain")
    print(f"pretrained model written to {Path(args.out) / 'model'}")
    print(json.dumps(result.metrics, indent=2))
    return 0
