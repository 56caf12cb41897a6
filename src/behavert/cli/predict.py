"""``behavert predict RUN POSES... --out DIR``: frame behaviour, recording group.

Writes ``<recording>_behaviour.csv`` (``frame``, ``p_<class>``..., ``label``)
for a frame model (recordings read one at a time; ``--shard i/N`` does one
part of them, `behavert.cli.shards`) and ``sequences.csv`` (``recording``,
``p_<group>``..., ``group``) for a sequence model.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import ConfigError
from ..io.names import recording_names
from .common import ProgressBar, add_common, load_model, load_poses_files
from .inputs import add_poses
from .shards import Shard, add_shard, write_shard_manifest


def register(sub) -> None:
    p = sub.add_parser("predict", help="per-frame behaviour / per-recording group")
    p.add_argument("run")
    add_poses(p)
    p.add_argument("--out", required=True, help="output folder")
    add_shard(p)
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    model, tokenizer, _ = load_model(args.run)
    frames = bool(getattr(model.config, "frame_labels", None))
    sequences = bool(getattr(model.config, "sequence_labels", None))
    if sequences and args.shard is not None:
        raise ConfigError(
            "--shard: a sequence model writes one table over all recordings "
            "(sequences.csv); predict it without --shard"
        )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if frames:  # one recording at a time, in shards when asked
        shard = Shard(args.poses, args.shard)
        outputs = {}
        for source, name in zip(shard.paths, shard.names):
            (poses,) = load_poses_files(
                [source], args.likelihood_threshold, args.max_animals
            )
            path = out / f"{name}_behaviour.csv"
            write_frames(model, tokenizer, poses, path, args.batch_size, name)
            outputs[name] = [path.name]
            print(f"wrote {path}")
        if args.shard is not None:
            write_shard_manifest(out, shard, outputs)
    if sequences:
        poses_list = load_poses_files(
            args.poses, args.likelihood_threshold, args.max_animals
        )
        path = out / "sequences.csv"
        write_sequences(model, tokenizer, poses_list, path, args.batch_size)
        print(f"wrote {path}")
    return 0


def write_frames(model, tokenizer, poses, path: Path, batch_size: int, name: str):
    """One recording's per-frame probabilities and labels as a CSV."""
    import pandas as pd

    from ..inference import predict_frames

    bar = ProgressBar(f"predict {name}", unit="window")
    try:
        pred = predict_frames(
            model, tokenizer, poses, batch_size=batch_size, progress=bar.count
        )
    finally:
        bar.close()
    table = pd.DataFrame(pred.probabilities, columns=[f"p_{n}" for n in pred.names])
    table.insert(0, "frame", poses.frame_index)
    table["label"] = [pred.names[k] for k in pred.labels]
    write_csv(table, path)


def write_sequences(model, tokenizer, poses_list, path: Path, batch_size: int):
    """Every recording's group probabilities and group as one CSV."""
    import pandas as pd

    from ..inference import predict_sequences

    names = list(model.config.sequence_labels)
    probs = predict_sequences(model, tokenizer, poses_list, batch_size=batch_size)
    table = pd.DataFrame(probs, columns=[f"p_{n}" for n in names])
    table.insert(0, "recording", recording_names(poses_list))
    table["group"] = [names[k] for k in probs.argmax(1)]
    write_csv(table, path)


def write_csv(table, path: Path) -> None:
    """Write a table atomically, without its index."""
    from ..io.atomic import atomic_path

    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)
