"""``behavert embed RUN POSES... --out DIR``: final-layer tokens per frame.

Writes ``<recording>_embedding.npz`` holding ``tokens`` ``(time, hidden)`` and
``frame`` ``(time,)``, the pose file's own frame number of every token row.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..io.names import recording_names
from .common import add_common, load_model, load_poses_files


def register(sub) -> None:
    p = sub.add_parser(
        "embed", help="final-layer tokens per frame (.npz: tokens, frame)"
    )
    p.add_argument("run")
    p.add_argument("poses", nargs="+")
    p.add_argument("--out", required=True, help="output folder")
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ..inference import embed
    from ..io.atomic import atomic_path

    model, tokenizer, _ = load_model(args.run)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    poses_list = load_poses_files(args.poses, args.likelihood_threshold)
    for poses, name in zip(poses_list, recording_names(poses_list)):
        tokens = embed(model, tokenizer, poses, batch_size=args.batch_size)
        path = out / f"{name}_embedding.npz"
        frame = np.asarray(poses.frame_index, dtype=np.int64)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, tokens=tokens, frame=frame)
        print(f"wrote {path} {tokens.shape}")
    return 0
