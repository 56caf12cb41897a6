"""``behavert pretrain POSES... --out DIR [--skeleton REF]``: masked pose modelling."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .common import (
    add_common,
    add_max_gap,
    drive,
    load_poses_files,
    new_tokenizer,
    train_config,
    window_keywords,
    write_csv,
)
from .inputs import add_poses

#: the mapping report saved in the run folder with --skeleton
MAPPING_REPORT = "skeleton_mapping.csv"


def register(sub) -> None:
    p = sub.add_parser("pretrain", help="masked pose modelling on unlabelled poses")
    add_poses(p)
    p.add_argument("--out", required=True, help="run folder")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="start afresh in an --out folder that holds a finished run or "
        "another run's checkpoints (they are replaced)",
    )
    p.add_argument(
        "--skeleton",
        metavar="REF",
        help="a pose file whose skeleton (keypoints, animals) every recording is "
        "mapped onto, so recordings of different skeletons pretrain together",
    )
    p.add_argument(
        "--mapping", help="with --skeleton: a keypoint mapping file (YAML or CSV)"
    )
    p.add_argument(
        "--hide-animal",
        type=float,
        default=None,
        help="share of windows that also hide one animal for the model to "
        "reconstruct (several animals; default 0.5)",
    )
    add_max_gap(p)
    add_common(p, training=True)
    from ..train.config import PRETRAIN_PRESET, PRETRAIN_SCHEDULE

    # the rat benchmark's model size and schedule (train keeps its defaults)
    p.set_defaults(func=run, preset=PRETRAIN_PRESET)
    here = {"preset": PRETRAIN_PRESET, **PRETRAIN_SCHEDULE}
    for action in p._actions:
        key = "max_steps" if action.dest == "steps" else action.dest
        if key in here:
            action.help = f"{action.help or ''} (default {here[key]})".strip()


def on_skeleton(poses_list, reference_path, mapping_path, threshold):
    """Every recording in the reference's skeleton, and the mapping report."""
    from ..data.skeleton import mapping_table, to_skeleton
    from ..io.mapping_file import load_mapping

    (reference,) = load_poses_files([reference_path], threshold)
    user_map = load_mapping(mapping_path) if mapping_path else None
    pairs = [to_skeleton(p, reference, user_map) for p in poses_list]
    mapped = [m for m, _ in pairs]
    reports = [r for _, r in pairs]
    for poses, report in zip(poses_list, reports):
        name = Path(poses.path).name if poses.path else poses.source
        print(
            f"{name}: {len(report.used)}/{reference.n_keypoints} keypoints of "
            f"{Path(reference_path).name} ({', '.join(report.used) or 'none'}), "
            f"{report.n_animals}/{reference.n_individuals} animal(s)"
            + (
                f", {report.n_animals_left_out} animal(s) left out"
                if report.n_animals_left_out
                else ""
            )
        )
    return mapped, mapping_table(reports, poses_list)


def run(args: argparse.Namespace) -> int:
    from ..errors import ConfigError
    from ..train import pretrain
    from ..train.config import PRETRAIN_RECIPE, PRETRAIN_SCHEDULE, pretrain_warmup
    from ..train.run_folder import check_out_folder

    check_out_folder(args.out, overwrite=args.overwrite)  # before any work
    poses_list = load_poses_files(
        args.poses, args.likelihood_threshold, args.max_animals
    )
    if args.mapping and not args.skeleton:
        raise ConfigError("--mapping needs --skeleton (the skeleton it maps onto)")
    if args.skeleton:
        poses_list, table = on_skeleton(
            poses_list, args.skeleton, args.mapping, args.likelihood_threshold
        )
        report = write_csv(table, Path(args.out) / MAPPING_REPORT)
        print(f"keypoint mapping report written to {report}")
    steps = args.steps or PRETRAIN_SCHEDULE["max_steps"]
    tc = train_config(
        args,
        checkpoint_every=100,
        warmup_steps=pretrain_warmup(steps),
        **PRETRAIN_SCHEDULE,
        **PRETRAIN_RECIPE,
    )
    gen = pretrain(
        poses_list,
        new_tokenizer(args, poses_list),
        config=args.preset,
        train_config=tc,
        out=args.out,
        overwrite=args.overwrite,
        **window_keywords(args),
    )
    result = drive(gen, "pretrain")
    print(f"pretrained model written to {Path(args.out) / 'model'}")
    print(json.dumps(result.metrics, indent=2))
    return 0
