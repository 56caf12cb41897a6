"""``behavert predict RUN POSES... --out DIR``: frame behaviour, recording group.

Writes ``<recording>_behaviour.csv`` (``frame``, ``p_<class>``..., ``label``)
for a frame model and ``sequences.csv`` (``recording``, ``p_<group>``...,
``group``) for a sequence model.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..io.names import recording_names
from .common import ProgressBar, add_common, load_model, load_poses_files


def register(sub) -> None:
    p = sub.add_parser("predict", help="per-frame behaviour / per-recording group")
    p.add_argument("run")
    p.add_argument("poses", nargs="+")
    p.add_argument("--out", required=True, help="output folder")
    add_common(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    model, tokenizer, _ = load_model(args.run)
    poses_list = load_poses_files(args.poses, args.likelihood_threshold)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = recording_names(poses_list)
    if getattr(model.config, "frame_labels", None):
        for poses, name in zip(poses_list, names):
            path = out / f"{name}_behaviour.csv"
            write_frames(model, tokenizer, poses, path, args.batch_size, name)
            print(f"wrote {path}")
    if getattr(model.config, "sequence_labels", None):
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
