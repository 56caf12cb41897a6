"""What every command shares: arguments, progress bars and the file adapters.

The adapters here turn what a user types (paths) into the objects the core
takes: pose files into ``Poses``, label files into ``FrameLabels`` (with the
one "one label file per pose file" check), run folders into a model and its
tokenizer (``resolve_run`` + ``load_run``), and results into JSON files.
Heavy modules (torch, transformers) are imported inside the functions.

``--max-animals N`` (:func:`add_common`) stitches the fragmented tracks of
SLEAP files into at most N animals (``load_poses(max_individuals=N)``); every
command passes ``args.max_animals`` to :func:`load_poses_files`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import BehavertError

__all__ = [
    "ProgressBar",
    "add_common",
    "add_max_animals",
    "add_max_gap",
    "add_stream",
    "drive",
    "fraction",
    "int_at_least",
    "non_negative_int",
    "positive_float",
    "positive_int",
    "load_labels",
    "load_model",
    "load_poses_files",
    "train_config",
    "trained_run",
    "new_tokenizer",
    "window_keywords",
    "write_csv",
    "write_json",
]


# --------------------------------------------------------------- arguments
def _number(text: str, kind: type, low: float, strict: bool, high: float | None):
    import math

    try:
        value = kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
    bad = not math.isfinite(value) or value < low or (strict and value == low)
    if high is not None and value > high:
        bad = True
    if bad:
        bound = f"> {low:g}" if strict else f">= {low:g}"
        if high is not None:
            bound += f" and <= {high:g}"
        raise argparse.ArgumentTypeError(f"must be {bound}, got {text!r}")
    return value


def int_at_least(low: int):
    """argparse type factory: a whole number >= ``low``."""

    def parse(text: str) -> int:
        return _number(text, int, low, False, None)

    return parse


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    return _number(text, int, 1, False, None)


def non_negative_int(text: str) -> int:
    """argparse type: a whole number >= 0."""
    return _number(text, int, 0, False, None)


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    return _number(text, float, 0.0, True, None)


def fraction(text: str) -> float:
    """argparse type: a number from 0 to 1."""
    return _number(text, float, 0.0, False, 1.0)


def add_max_animals(p: argparse.ArgumentParser) -> None:
    """``--max-animals N``: SLEAP tracks stitched into at most N animals."""
    p.add_argument(
        "--max-animals",
        type=positive_int,
        default=None,
        metavar="N",
        help="SLEAP files: stitch fragmented tracks (one animal split over "
        "several track IDs) into at most N animals, matched frame by frame by "
        "position; instances beyond N in a frame are left out (default: one "
        "animal per track, as stored)",
    )


def add_common(p: argparse.ArgumentParser, *, training: bool = False) -> None:
    """The options every command shares (``training``: the optimisation ones)."""
    p.add_argument("--likelihood-threshold", type=fraction, default=None)
    add_max_animals(p)
    if training:
        p.add_argument("--preset", default="small", choices=["tiny", "small", "base"])
        p.add_argument(
            "--steps", type=positive_int, default=None, help="optimisation steps"
        )
        p.add_argument("--batch-size", type=positive_int, default=None)
        p.add_argument("--lr", type=positive_float, default=None)
        p.add_argument(
            "--window", type=positive_int, default=None, help="frames per window"
        )
        p.add_argument("--stride", type=positive_int, default=None)
        p.add_argument("--seed", type=non_negative_int, default=None)
        p.add_argument("--device", default=None, help="auto, cpu, cuda, mps")
        p.add_argument("--checkpoint-every", type=positive_int, default=None)
        p.add_argument(
            "--augment",
            nargs="*",
            choices=["swap", "mirror"],
            default=None,
            help="training windows also drawn with the animals swapped and/or the "
            "arena mirrored; give no value for none (default: the recipe, "
            "docs/benchmarks.md)",
        )
    else:
        p.add_argument("--batch-size", type=positive_int, default=16)


def train_config(args: argparse.Namespace, **defaults: Any):
    """A ``TrainConfig`` from the training options over ``defaults``."""
    from ..train.config import TrainConfig

    fields = {
        "lr": args.lr,
        "batch_size": args.batch_size,
        "max_steps": args.steps,
        "seed": args.seed,
        "device": args.device,
        "checkpoint_every": args.checkpoint_every,
        "augment": args.augment,
        "hide_animal": getattr(args, "hide_animal", None),
        "label_smoothing": getattr(args, "label_smoothing", None),
    }
    values = {**defaults, **{k: v for k, v in fields.items() if v is not None}}
    return TrainConfig(**values)


def add_max_gap(p: argparse.ArgumentParser) -> None:
    """``--max-gap`` of the commands that fit a new tokenizer (pretrain, train)."""
    p.add_argument(
        "--max-gap",
        type=int,
        default=None,
        help="a new tokenizer bridges tracking gaps of up to N frames before "
        "features (default 0; 300 on the rat sessions, docs/benchmarks.md)",
    )


def new_tokenizer(args: argparse.Namespace, poses_list):
    """A tokenizer fitted on ``poses_list`` with ``--max-gap``; None without it
    (the training function then fits a default one)."""
    if getattr(args, "max_gap", None) is None:
        return None
    from ..data.tokenizer import PoseTokenizer, TokenizerConfig

    return PoseTokenizer(TokenizerConfig(max_gap=args.max_gap)).fit(poses_list)


def window_keywords(args: argparse.Namespace) -> dict[str, int | None]:
    """``window`` / ``stride`` keywords of pretrain, finetune_* and transfer.

    They are architecture settings (the new model's ``BehavertConfig``), not
    ``TrainConfig`` fields; None keeps the initial model's or the default.
    """
    return {"window": args.window, "stride": args.stride}


# ---------------------------------------------------------------- progress
class ProgressBar:
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
        """A ``TrainEvent`` callback: step, loss and validation metrics."""
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


def drive(gen, desc: str):
    """Run a training generator with a progress bar; return its ``TrainedRun``."""
    from ..train.loop import run_to_end

    bar = ProgressBar(desc)
    try:
        return run_to_end(gen, bar.update)
    finally:
        bar.close()


# ---------------------------------------------------------------- adapters
def load_poses_files(
    paths: Sequence[str | Path],
    threshold: float | None = None,
    max_individuals: int | None = None,
):
    """``Poses`` of every file (any format ``load_poses`` reads).

    ``max_individuals`` (the command's ``--max-animals``) stitches SLEAP
    tracks into at most that many animals; other formats refuse it
    (``ConfigError`` naming the file).
    """
    from ..io.load import load_poses

    return [
        load_poses(p, likelihood_threshold=threshold, max_individuals=max_individuals)
        for p in paths
    ]


def add_stream(p: argparse.ArgumentParser) -> None:
    """``--stream`` (CBA files) and ``--unscored`` (classes of unscored frames)."""
    p.add_argument(
        "--stream",
        default=None,
        help="CBA label files: the annotation stream (S1, S2, ...; default the first)",
    )
    p.add_argument(
        "--unscored",
        nargs="+",
        default=(),
        metavar="CLASS",
        help="label classes that mark unscored frames (e.g. base): their frames "
        "are ignored in training and metrics instead of being a class",
    )


def load_labels(
    paths: Sequence[str | Path],
    poses_list: Sequence,
    stream: str | None = None,
    unscored: Sequence[str] = (),
) -> list:
    """``FrameLabels`` of one label file per pose file, in the same order.

    Labels are aligned on each recording's own frame numbers (CBA bouts past
    the last pose frame are dropped with a warning); ``stream`` picks the
    stream of CBA files; classes in ``unscored`` become ignored frames
    (`behavert.io.labels.drop_unscored`).

    Raises
    ------
    BehavertError
        When the numbers of label and pose files differ.
    """
    from ..io.labels import drop_unscored, load_frame_labels

    if len(paths) != len(poses_list):
        raise BehavertError(
            f"{len(poses_list)} pose files but {len(paths)} label files: "
            "give one --labels file per pose file, in the same order"
        )
    labels = [
        load_frame_labels(
            lp, n_frames=p.n_frames, fps=p.fps, stream=stream, frame_index=p.frame_index
        )
        for lp, p in zip(paths, poses_list)
    ]
    return [drop_unscored(lab, unscored) if unscored else lab for lab in labels]


def load_model(path: str | Path) -> tuple[Any, Any, dict]:
    """``(model, tokenizer, meta)`` of the run a user means by ``path``."""
    from ..train.run import load_run, resolve_run

    return load_run(resolve_run(path))


def trained_run(path: str | Path):
    """The run at ``path`` as a ``TrainedRun`` (to fine-tune or transfer from)."""
    from ..train.loop import TrainedRun

    model, tokenizer, _ = load_model(path)
    return TrainedRun(model=model, tokenizer=tokenizer)


def _plain(obj: Any) -> Any:
    """JSON fallback: numpy scalars and arrays as numbers, anything else as text."""
    tolist = getattr(obj, "tolist", None)
    return tolist() if callable(tolist) else str(obj)


def write_csv(table, path: str | Path, index: bool = False) -> Path:
    """Write a ``pandas.DataFrame`` as CSV, atomically (folders created)."""
    from ..io.atomic import atomic_path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=index)
    return path


def write_json(path: str | Path, data: dict, *, sort_keys: bool = True) -> Path:
    """Write ``data`` as indented JSON, atomically."""
    from ..io.atomic import atomic_path

    path = Path(path)
    text = json.dumps(data, indent=2, sort_keys=sort_keys, default=_plain)
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return path
