"""``behavert embed RUN POSES... --out DIR``: final-layer tokens per frame.

Writes ``<recording>_embedding.npz`` holding ``tokens`` ``(time, hidden)`` and
``frame`` ``(time,)``, the pose file's own frame number of every token row.
Recordings are read one at a time; ``--shard i/N`` does one part of them
(`behavert.cli.shards`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_common, load_model, load_poses_files
from .inputs import add_poses
from .shards import Shard, add_shard, write_shard_manifest


def register(sub) -> None:
    p = sub.add_parser(
        "embed", help="final-layer tokens per frame (.npz: tokens, frame)"
    )
    p.add_argument("run")
    add_poses(p)
    p.add_argument("--out", required=True, help="output folder")
    add_shard(p)
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ..inference import embed
    from ..io.atomic import atomic_path

    shard = Shard(args.poses, args.shard)
    model, tokenizer, _ = load_model(args.run)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    outputs = {}
    for path, name in zip(shard.paths, shard.names):
        (poses,) = load_poses_files([path], args.likelihood_threshold, args.max_animals)
        tokens = embed(model, tokenizer, poses, batch_size=args.batch_size)
        target = out / f"{name}_embedding.npz"
        frame = np.asarray(poses.frame_index, dtype=np.int64)
        with atomic_path(target) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, tokens=tokens, frame=frame)
        outputs[name] = [target.name]
        print(f"wrote {target} {tokens.shape}")
    if args.shard is not None:
        write_shard_manifest(out, shard, outputs)
    return 0
