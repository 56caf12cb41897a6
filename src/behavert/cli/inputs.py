"""Pose files or ``--project PATH``: what every command reads its recordings from.

Every command that takes pose files also takes ``--project PATH`` in their
place: a DeepLabCut project (``config.yaml``) or a folder of SLEAP files
(`behavert.io.project.find_project`: one pose file per video, the newest,
``*_filtered`` first). `resolve_inputs` runs once after parsing and puts the
project's files where the command expects its file list (``args.poses``, or
``args.to`` for ``transfer``), so the commands themselves stay unchanged.
"""

from __future__ import annotations

import argparse

from ..errors import ConfigError

__all__ = ["add_poses", "add_project", "resolve_inputs"]


def add_project(p: argparse.ArgumentParser, dest: str = "poses") -> None:
    """``--project PATH`` in place of the file list stored in ``dest``."""
    p.add_argument(
        "--project",
        metavar="PATH",
        help="a DeepLabCut project (config.yaml) or a folder of SLEAP files, "
        "in place of pose files: one recording per video",
    )
    p.set_defaults(pose_inputs=dest)


def add_poses(p: argparse.ArgumentParser) -> None:
    """The ``poses`` file list (optional with ``--project``) and ``--project``."""
    p.add_argument("poses", nargs="*", help="pose files (or --project)")
    add_project(p)


def resolve_inputs(args: argparse.Namespace) -> None:
    """Fill the command's file list from ``--project``; check one of them is given."""
    dest = getattr(args, "pose_inputs", None)
    if dest is None:
        return
    given = list(getattr(args, dest, None) or [])
    flag = "--to" if dest == "to" else "pose files"
    if args.project and given:
        raise ConfigError(f"give {flag} or --project, not both")
    if not args.project:
        if not given:
            raise ConfigError(f"give {flag} or --project PATH")
        return
    from ..io.project import find_project

    project = find_project(args.project)
    setattr(args, dest, [str(f) for f in project.files])
    print(
        f"project {project.path} ({project.kind}): {len(project)} recording(s): "
        + ", ".join(f.name for f in project.files)
    )
