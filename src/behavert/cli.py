"""The ``behavert`` command line.

Subcommands: ``info``, ``pretrain``, ``train``, ``predict``, ``embed``,
``evaluate`` and ``demo``. POSES arguments are any files ``load_poses`` reads.
Heavy modules (torch, transformers) are imported only by the subcommands that
need them; napari is never imported here (the demo's screenshot runs napari in
a child process).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import BehavertError

log = logging.getLogger(__name__)


# ----------------------------------------------------------------- helpers
def _load_all(paths: Sequence[str], threshold: float | None = None) -> list:
    from .io.load import load_poses

    return [load_poses(p, likelihood_threshold=threshold) for p in paths]


def _train_config(args: argparse.Namespace, **defaults: Any):
    from .train.config import TrainConfig

    fields = {
        "lr": args.lr,
        "batch_size": args.batch_size,
        "max_steps": args.steps,
        "window": args.window,
        "stride": args.stride,
        "seed": args.seed,
        "device": args.device,
        "checkpoint_every": args.checkpoint_every,
    }
    values = {**defaults, **{k: v for k, v in fields.items() if v is not None}}
    return TrainConfig(**values)


class _ProgressBar:
    """A tqdm bar fed with ``TrainEvent``s (``update``) or counts (``count``)."""

    def __init__(self, desc: str, unit: str = "step") -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(desc=desc, unit=unit, dynamic_ncols=True)

    def count(self, done: int, total: int) -> None:
        """A ``progress(done, total)`` callback."""
        self.bar.total = total
        self.bar.n = done
        self.bar.refresh()

    def update(self, event) -> None:
        bar = self.bar
        if bar.total != event.total:
            bar.total = event.total
        bar.n = event.step
        post = {"loss": f"{event.loss:.4f}"}
        post.update(
            {k: f"{v:.3f}" for k, v in event.metrics.items() if k.startswith("val/")}
        )
        bar.set_postfix(post, refresh=False)
        bar.refresh()

    def close(self) -> None:
        self.bar.close()


def _drive(gen, desc: str):
    """Run a training generator with a tqdm progress bar; return its result."""
    from .train.loop import run_to_end

    bar = _ProgressBar(desc)
    try:
        return run_to_end(gen, bar.update)
    finally:
        bar.close()


def _run_folder(path: str | Path) -> Path:
    """A training ``--out`` folder holds ``model/``; accept either."""
    path = Path(path)
    return path / "model" if (path / "model" / "meta.json").is_file() else path


def _load_labels(paths: Sequence[str], poses_list: Sequence) -> list:
    from .io.labels import load_frame_labels

    if len(paths) != len(poses_list):
        raise BehavertError(
            f"{len(poses_list)} pose files but {len(paths)} label files: "
            "give one --labels file per pose file, in the same order"
        )
    return [
        load_frame_labels(lp, n_frames=p.n_frames, fps=p.fps)
        for lp, p in zip(paths, poses_list)
    ]


def _write_json(path: Path, data: dict) -> None:
    from .train.checkpoint import write_json_atomic

    write_json_atomic(path, data)


# -------------------------------------------------------------- commands
def cmd_info(args: argparse.Namespace) -> int:
    for poses in _load_all(args.poses, args.likelihood_threshold):
        print(poses)
        print(f"  keypoints: {', '.join(poses.keypoints)}")
        print(f"  video: {poses.video}")
        missing = 100.0 * float((poses.position != poses.position).any(-1).mean())
        print(f"  missing points: {missing:.1f} %")
    return 0


def cmd_pretrain(args: argparse.Namespace) -> int:
    from .train import pretrain

    poses_list = _load_all(args.poses, args.likelihood_threshold)
    tc = _train_config(args, checkpoint_every=100)
    result = _drive(
        pretrain(poses_list, config=args.preset, train_config=tc, out=args.out),
        "pretrain",
    )
    print(f"pretrained model written to {Path(args.out) / 'model'}")
    print(json.dumps(result.metrics, indent=2))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from .train import finetune_frames, finetune_sequences

    poses_list = _load_all(args.poses, args.likelihood_threshold)
    init = str(_run_folder(args.init)) if args.init else None
    tc = _train_config(
        args,
        val_fraction=args.val_fraction,
        eval_every=args.eval_every,
        early_stopping_patience=args.patience,
        class_weights="balanced",
    )
    if args.groups:
        from .io.labels import load_sequence_labels

        groups = load_sequence_labels(args.groups)
        gen = finetune_sequences(
            poses_list, groups, init, config=args.preset, train_config=tc, out=args.out
        )
    else:
        if not args.labels:
            raise BehavertError("train needs --labels (frame labels) or --groups")
        labels = _load_labels(args.labels, poses_list)
        gen = finetune_frames(
            poses_list, labels, init, config=args.preset, train_config=tc, out=args.out
        )
    result = _drive(gen, "train")
    print(f"model written to {Path(args.out) / 'model'}")
    print(json.dumps(result.metrics, indent=2))
    return 0


def _stem(poses, i: int) -> str:
    return poses.path.stem if poses.path is not None else f"recording{i}"


def cmd_predict(args: argparse.Namespace) -> int:
    import pandas as pd

    from .inference import predict_frames, predict_sequences
    from .io.atomic import atomic_path
    from .train.run import load_run

    model, tokenizer, meta = load_run(_run_folder(args.run))
    poses_list = _load_all(args.poses, args.likelihood_threshold)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if getattr(model.config, "frame_labels", None):
        for i, poses in enumerate(poses_list):
            bar = _ProgressBar(f"predict {_stem(poses, i)}", unit="window")
            try:
                pred = predict_frames(
                    model,
                    tokenizer,
                    poses,
                    batch_size=args.batch_size,
                    progress=bar.count,
                )
            finally:
                bar.close()
            table = pd.DataFrame(
                pred.probabilities, columns=[f"p_{n}" for n in pred.names]
            )
            table.insert(0, "frame", poses.frame_index)
            table["label"] = [pred.names[k] for k in pred.labels]
            path = out / f"{_stem(poses, i)}_behaviour.csv"
            with atomic_path(path) as tmp:
                table.to_csv(tmp, index=False)
            print(f"wrote {path}")
    if getattr(model.config, "sequence_labels", None):
        names = list(model.config.sequence_labels)
        probs = predict_sequences(
            model, tokenizer, poses_list, batch_size=args.batch_size
        )
        table = pd.DataFrame(probs, columns=[f"p_{n}" for n in names])
        table.insert(0, "recording", [_stem(p, i) for i, p in enumerate(poses_list)])
        table["group"] = [names[k] for k in probs.argmax(1)]
        path = out / "sequences.csv"
        with atomic_path(path) as tmp:
            table.to_csv(tmp, index=False)
        print(f"wrote {path}")
    return 0


def cmd_embed(args: argparse.Namespace) -> int:
    import numpy as np

    from .inference import embed
    from .io.atomic import atomic_path
    from .train.run import load_run

    model, tokenizer, _ = load_run(_run_folder(args.run))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for i, poses in enumerate(_load_all(args.poses, args.likelihood_threshold)):
        tokens = embed(model, tokenizer, poses, batch_size=args.batch_size)
        path = out / f"{_stem(poses, i)}_embedding.npy"
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.save(fh, tokens, allow_pickle=False)
        print(f"wrote {path} {tokens.shape}")
    return 0


def evaluate_frames(model, tokenizer, poses_list, labels_list, min_bout: int = 0):
    """Per-frame metrics of a frame model on labelled recordings (pooled frames)."""
    import numpy as np

    from .inference import predict_frames
    from .train.metrics import bout_recall, frame_metrics, smooth_bouts

    names = list(model.config.frame_labels)
    ys, preds, probs = [], [], []
    for poses, labels in zip(poses_list, labels_list):
        pred = predict_frames(model, tokenizer, poses)
        p = smooth_bouts(pred.labels, min_bout) if min_bout > 1 else pred.labels
        ys.append(class_indices(labels, names))
        preds.append(p)
        probs.append(pred.probabilities)
    y, p, pr = np.concatenate(ys), np.concatenate(preds), np.concatenate(probs)
    keep = y >= 0
    metrics = frame_metrics(y[keep], p[keep], probabilities=pr[keep], names=names)
    for k, name in enumerate(names):
        if (y == k).any():
            recall = bout_recall(y == k, p == k)
            metrics[f"bout_recall/{name}"] = recall["bout_recall"]
    return metrics


def class_indices(labels, names: Sequence[str]):
    """``(time,)`` indices of ``labels`` in the model's class order ``names``.

    Frames without any behaviour get the background class (the model class that
    is not among the label file's behaviours, e.g. ``other``) or -1 (ignored)
    when the model has none.
    """
    import numpy as np

    names = list(names)
    values = np.asarray(labels.values) > 0.5
    missing = [n for n in labels.names if n not in names]
    if missing:
        raise BehavertError(
            f"{labels.path}: behaviours {missing} are not among the model's "
            f"classes {names}"
        )
    background = [n for n in names if n not in labels.names]
    y = np.full(len(values), names.index(background[0]) if background else -1)
    for j, name in enumerate(labels.names):
        y[values[:, j]] = names.index(name)
    return y


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .train.run import load_run

    model, tokenizer, _ = load_run(_run_folder(args.run))
    poses_list = _load_all(args.poses, args.likelihood_threshold)
    labels = _load_labels(args.labels, poses_list)
    metrics = evaluate_frames(model, tokenizer, poses_list, labels, args.min_bout)
    print(json.dumps(metrics, indent=2))
    if args.out:
        _write_json(Path(args.out), metrics)
        print(f"wrote {args.out}")
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from .report import run_analyze_cli

    bar = _ProgressBar("analyze")
    try:
        written = run_analyze_cli(
            _run_folder(args.run),
            args.poses,
            args.out,
            groups=args.groups,
            labels=args.labels,
            frame_run=_run_folder(args.frame_run) if args.frame_run else None,
            n_motifs=args.n_motifs,
            method=args.method,
            min_bout=args.min_bout,
            attribution=not args.no_attribution,
            likelihood_threshold=args.likelihood_threshold,
            progress=bar.count,
        )
    finally:
        bar.close()
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_transfer(args: argparse.Namespace) -> int:
    from .train.transfer import run_transfer_cli

    tc = _train_config(args, checkpoint_every=100)
    bar = _ProgressBar("transfer")
    try:
        out = run_transfer_cli(
            _run_folder(args.run),
            args.to,
            args.out,
            mapping=args.mapping,
            labels=args.labels,
            realign_steps=args.realign_steps,
            train_config=tc,
            progress=bar.update,
        )
    finally:
        bar.close()
    print(f"transferred model written to {out}")
    return 0


def cmd_benchmark(args: argparse.Namespace) -> int:
    from .benchmarks_public import run_benchmark_cli

    print(
        run_benchmark_cli(
            args.name,
            args.data,
            out=args.out,
            quick=args.quick,
            trust_pickle=args.trust_pickle,
        )
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    bars: dict[str, _ProgressBar] = {}

    def progress(phase: str, event) -> None:
        if phase not in bars:
            for bar in bars.values():
                bar.close()
            bars[phase] = _ProgressBar(phase)
        bars[phase].update(event)

    try:
        summary = run_demo(
            Path(args.out),
            quick=args.quick,
            screenshot=not args.no_screenshot,
            progress=progress,
        )
    finally:
        for bar in bars.values():
            bar.close()
    print(summary)
    return 0


# ----------------------------------------------------------------- parser
def _add_common(p: argparse.ArgumentParser, *, training: bool = False) -> None:
    p.add_argument("--likelihood-threshold", type=float, default=None)
    if training:
        p.add_argument("--preset", default="small", choices=["tiny", "small", "base"])
        p.add_argument("--steps", type=int, default=None, help="optimisation steps")
        p.add_argument("--batch-size", type=int, default=None)
        p.add_argument("--lr", type=float, default=None)
        p.add_argument("--window", type=int, default=None, help="frames per window")
        p.add_argument("--stride", type=int, default=None)
        p.add_argument("--seed", type=int, default=None)
        p.add_argument("--device", default=None, help="auto, cpu, cuda, mps")
        p.add_argument("--checkpoint-every", type=int, default=None)
    else:
        p.add_argument("--batch-size", type=int, default=16)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="behavert",
        description="BehaVERT: pretrain, fine-tune and apply a pose transformer.",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("info", help="summarise pose files")
    p.add_argument("poses", nargs="+")
    _add_common(p)
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("pretrain", help="masked pose modelling on unlabelled poses")
    p.add_argument("poses", nargs="+")
    p.add_argument("--out", required=True, help="run folder")
    _add_common(p, training=True)
    p.set_defaults(func=cmd_pretrain)

    p = sub.add_parser("train", help="fine-tune a frame or sequence classifier")
    p.add_argument("poses", nargs="+")
    p.add_argument("--labels", nargs="+", help="frame labels, one file per pose file")
    p.add_argument("--groups", help="CSV mapping recording to group (sequence task)")
    p.add_argument("--init", help="a pretrained run folder")
    p.add_argument("--out", required=True, help="run folder")
    p.add_argument("--val-fraction", type=float, default=0.2)
    p.add_argument("--eval-every", type=int, default=25)
    p.add_argument("--patience", type=int, default=8)
    _add_common(p, training=True)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("predict", help="per-frame behaviour / per-recording group")
    p.add_argument("run")
    p.add_argument("poses", nargs="+")
    p.add_argument("--out", required=True, help="output folder")
    _add_common(p)
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("embed", help="final-layer tokens per frame (.npy)")
    p.add_argument("run")
    p.add_argument("poses", nargs="+")
    p.add_argument("--out", required=True, help="output folder")
    _add_common(p)
    p.set_defaults(func=cmd_embed)

    p = sub.add_parser("evaluate", help="metrics of a frame model on labelled poses")
    p.add_argument("run")
    p.add_argument("poses", nargs="+")
    p.add_argument("--labels", nargs="+", required=True)
    p.add_argument("--min-bout", type=int, default=0, help="smooth bouts (frames)")
    p.add_argument("--out", help="write metrics as JSON here")
    _add_common(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("analyze", help="attention, motifs, statistics and figures")
    p.add_argument("run", help="a trained run (sequence or pretrained model)")
    p.add_argument("poses", nargs="+")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--groups", help="CSV mapping recording to group")
    p.add_argument("--labels", nargs="+", help="frame labels, one per pose file")
    p.add_argument("--frame-run", help="a frame classifier for predicted behaviour")
    p.add_argument("--n-motifs", type=int, default=None, help="default: chosen")
    p.add_argument("--method", default="kmeans", choices=["kmeans", "gmm", "hdbscan"])
    p.add_argument("--min-bout", type=int, default=5)
    p.add_argument("--no-attribution", action="store_true")
    p.add_argument("--likelihood-threshold", type=float, default=None)
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("transfer", help="adapt a run to another skeleton")
    p.add_argument("run", help="the pretrained run of the source skeleton")
    p.add_argument("--to", nargs="+", required=True, help="pose files, new skeleton")
    p.add_argument("--out", required=True, help="run folder")
    p.add_argument("--mapping", help="keypoint mapping file (.yaml or .csv)")
    p.add_argument("--labels", nargs="+", help="frame labels to fine-tune on")
    p.add_argument("--realign-steps", type=int, default=100)
    _add_common(p, training=True)
    p.set_defaults(func=cmd_transfer)

    p = sub.add_parser("benchmark", help="public benchmark protocols (CalMS21)")
    p.add_argument("name", choices=["calms21"])
    p.add_argument("--data", required=True, help="folder with calms21_task1_*.json")
    p.add_argument("--out", help="folder for calms21_task1.json and the run")
    p.add_argument("--quick", action="store_true", help="tiny model, pipeline check")
    p.add_argument(
        "--trust-pickle", action="store_true", help="allow the pickled .npy files"
    )
    p.set_defaults(func=cmd_benchmark)

    p = sub.add_parser("demo", help="the whole pipeline on synthetic recordings")
    p.add_argument("--out", default="demo-output")
    p.add_argument("--quick", action="store_true", help="smaller and faster")
    p.add_argument("--no-screenshot", action="store_true")
    p.set_defaults(func=cmd_demo)
    return parser


def app(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``behavert`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    try:
        return int(args.func(args) or 0)
    except BehavertError as error:
        print(f"behavert: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("behavert: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
