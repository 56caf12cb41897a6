"""``behavert info POSES...``: summarise pose files."""

from __future__ import annotations

import argparse

from .common import add_common, load_poses_files
from .inputs import add_poses


def register(sub) -> None:
    p = sub.add_parser("info", help="summarise pose files")
    add_poses(p)
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for poses in load_poses_files(
        args.poses, args.likelihood_threshold, args.max_animals
    ):
        print(poses)
        print(f"  keypoints: {', '.join(poses.keypoints)}")
        print(f"  video: {poses.video}")
        missing = 100.0 * float((poses.position != poses.position).any(-1).mean())
        print(f"  missing points: {missing:.1f} %")
    return 0
