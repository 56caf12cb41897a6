"""``behavert demo --out DIR``: the whole pipeline on synthetic mice.

Generates synthetic two-mouse recordings (resident and intruder, scripted
behaviours, two synthetic genotypes), writes them as DeepLabCut files, draws the
skeleton on the rendered video in napari (in a child process, when a display is
available), pretrains BehaVERT by masked pose modelling, fine-tunes a per-frame
behaviour classifier and a genotype classifier, predicts on held-out recordings
and reports the metrics.
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .common import ProgressBar, load_poses_files, write_json


@dataclass(frozen=True)
class DemoSettings:
    """Sizes of the demo (``quick`` is for tests and slow machines)."""

    n_train: int = 12
    n_test: int = 6
    n_frames: int = 3600
    preset: str = "tiny"
    pretrain_steps: int = 150
    frame_steps: int = 300
    sequence_steps: int = 400
    window: int = 64
    sequence_window: int = 256
    batch_size: int = 16

    @classmethod
    def quick(cls) -> DemoSettings:
        """Fewer held-out recordings and shorter pretraining / frame training.

        The genotype recipe is kept: the genotype lives in the rate of
        nose-to-nose contact, so fewer or shorter recordings cannot carry it
        (docs/benchmarks.md, synthetic oracle).
        """
        return cls(n_test=4, pretrain_steps=80, frame_steps=200)

    def train_config(self):
        """The pretraining ``TrainConfig``; the fine-tuning runs vary it."""
        from ..train import TrainConfig

        return TrainConfig(
            lr=2e-3,
            batch_size=self.batch_size,
            seed=0,
            max_steps=self.pretrain_steps,
            warmup_steps=20,
            dropout=0.1,
            checkpoint_every=100,
        )


def register(sub) -> None:
    p = sub.add_parser("demo", help="the whole pipeline on synthetic recordings")
    p.add_argument("--out", default="demo-output")
    p.add_argument("--quick", action="store_true", help="smaller and faster")
    p.add_argument("--no-screenshot", action="store_true")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the runs of an earlier demo in --out",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo with one progress bar per training and prediction phase."""
    bars: dict[str, ProgressBar] = {}

    def bar(phase: str, unit: str = "step") -> ProgressBar:
        if phase not in bars:
            for other in bars.values():
                other.close()
            bars[phase] = ProgressBar(phase, unit=unit)
        return bars[phase]

    def progress(phase: str, event) -> None:
        bar(phase).update(event)

    def count(phase: str, done: int, total: int) -> None:
        unit = "recording" if phase == PREDICT_GENOTYPE else "window"
        bar(phase, unit).count(done, total)

    try:
        summary = run_demo(
            Path(args.out),
            quick=args.quick,
            screenshot=not args.no_screenshot,
            progress=progress,
            overwrite=args.overwrite,
            count=count,
        )
    finally:
        for bar in bars.values():
            bar.close()
    print(summary)
    return 0


def run_demo(
    out: Path,
    *,
    quick: bool = False,
    screenshot: bool = True,
    progress: Callable[[str, Any], Any] | None = None,
    settings: DemoSettings | None = None,
    overwrite: bool = False,
    count: Callable[[str, int, int], Any] | None = None,
) -> str:
    """Run the whole synthetic pipeline; return a markdown summary.

    Writes into ``out``: ``data/`` (synthetic DLC .h5 files, label CSVs,
    ``groups.csv``), ``skeleton_on_video.png``, ``pretrain/``, ``frames/`` and
    ``genotype/`` runs, ``predictions/`` and ``metrics.json`` / ``summary.md``.
    ``settings`` overrides the sizes (default: ``DemoSettings``, or
    ``DemoSettings.quick()`` when ``quick``). The runs of an earlier demo in
    ``out`` are replaced only with ``overwrite`` (checked before any work).
    ``progress(phase, TrainEvent)`` follows the training phases and
    ``count(phase, done, total)`` the predictions: windows of each held-out
    recording (phase ``"predict <recording>"``), then recordings (phase
    ``"predict genotype"``).
    """
    from ..io.atomic import atomic_path
    from ..train.run_folder import check_out_folder

    settings = settings or (DemoSettings.quick() if quick else DemoSettings())
    out = Path(out)
    for name in RUNS:
        check_out_folder(out / name, overwrite=overwrite)
    t0 = time.perf_counter()
    paths, recordings, poses = write_dataset(out / "data", settings)
    shot = take_screenshot(out / "skeleton_on_video.png") if screenshot else "skipped"
    runs = train_models(out, settings, poses, recordings, progress, overwrite)
    test = slice(settings.n_train, None)
    held_out = (paths[test], poses[test], recordings[test])
    metrics = {
        **held_out_metrics(out / "predictions", runs, *held_out, count=count),
        "pretrain_final_loss": runs[0].metrics.get("loss"),
        "settings": settings.__dict__,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    write_json(out / "metrics.json", metrics, sort_keys=False)
    summary = summary_text(settings, metrics, recordings[0].behaviours, shot)
    with atomic_path(out / "summary.md") as tmp:
        tmp.write_text(summary)
    return summary


def write_dataset(data: Path, settings: DemoSettings) -> tuple[list, list, list]:
    """Synthetic recordings as DLC files, label CSVs and ``groups.csv``.

    Returns ``(paths, recordings, poses)``: the pose files, the
    ``SyntheticRecording``s and the poses read back from the files.
    """
    from ..datasets.synthetic import labels_frame, make_synthetic_dataset
    from ..io.atomic import atomic_path
    from ..io.save import save_dlc

    data.mkdir(parents=True, exist_ok=True)
    recordings = make_synthetic_dataset(
        settings.n_train + settings.n_test, settings.n_frames, seed=0
    )
    paths = []
    for i, rec in enumerate(recordings):
        path = data / f"synthetic_{i:02d}_{rec.genotype}DLC_synthetic.h5"
        save_dlc(rec.poses, path)
        with atomic_path(data / f"synthetic_{i:02d}_labels.csv") as tmp:
            labels_frame(rec).to_csv(tmp, index=False)
        paths.append(path)
    with atomic_path(data / "groups.csv") as tmp:
        tmp.write_text(
            "recording,group\n"
            + "".join(f"{p.name},{r.genotype}\n" for p, r in zip(paths, recordings))
        )
    return paths, recordings, load_poses_files(paths)


def take_screenshot(out: Path) -> str:
    """Skeleton on the synthetic video, drawn by napari in a child process."""
    if not os.environ.get("DISPLAY") and sys.platform.startswith("linux"):
        return "skipped (no X display: run the demo under xvfb-run)"
    cmd = [sys.executable, "-m", "behavert.napari.screenshot", "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0 or not out.exists():
        return f"failed: {proc.stderr.strip().splitlines()[-1:] or proc.returncode}"
    return str(out)


#: the demo's run folders inside ``--out``
RUNS = ("pretrain", "frames", "genotype")


def train_models(
    out: Path, settings: DemoSettings, poses, recordings, progress, overwrite=False
):
    """``(pretrained, frames, genotype)`` runs, trained on the training recordings."""
    from ..train import finetune_frames, finetune_sequences, pretrain
    from ..train.loop import run_to_end

    def report(phase):
        return lambda event: progress(phase, event) if progress else None

    train = slice(0, settings.n_train)
    tc = settings.train_config()
    pre = run_to_end(
        pretrain(
            poses[train],
            config=settings.preset,
            train_config=tc,
            out=out / "pretrain",
            window=settings.window,
            overwrite=overwrite,
        ),
        report("pretrain"),
    )
    frames = run_to_end(
        finetune_frames(
            poses[train],
            [r.labels for r in recordings[train]],
            pre,
            train_config=tc.replace(max_steps=settings.frame_steps),
            class_names=recordings[0].behaviours,
            out=out / "frames",
            window=settings.window,
            overwrite=overwrite,
        ),
        report("frames"),
    )
    # genotype: start from the frame classifier's encoder, low learning rate,
    # encoder frozen at first, long windows; 25 % of each recording held out
    # for the recording-level calibration
    genotype = run_to_end(
        finetune_sequences(
            poses[train],
            [r.genotype for r in recordings[train]],
            frames,
            train_config=tc.replace(
                max_steps=settings.sequence_steps,
                lr=3e-4,
                batch_size=8,
                val_fraction=0.25,
                freeze_encoder_steps=100,
            ),
            group_names=("ko", "wt"),
            out=out / "genotype",
            window=settings.sequence_window,
            overwrite=overwrite,
        ),
        report("sequences"),
    )
    return pre, frames, genotype


#: the prediction phase of the genotype classifier (counted in recordings)
PREDICT_GENOTYPE = "predict genotype"


def held_out_metrics(
    pred_dir: Path, runs, paths, poses, recordings, count=None
) -> dict:
    """Predict the held-out recordings (a CSV each); frame and genotype metrics.

    ``count(phase, done, total)``, when given, follows the windows of each
    recording's frame prediction, then the recordings of the genotype one.
    """
    import numpy as np

    from ..datasets.synthetic import labels_frame
    from ..inference import predict_frames, predict_sequences
    from ..io.atomic import atomic_path
    from ..train.metrics import frame_metrics, sequence_metrics

    _, frames, genotype = runs
    pred_dir.mkdir(parents=True, exist_ok=True)
    ys, ps, prs = [], [], []
    for path, p, rec in zip(paths, poses, recordings):
        phase = f"predict {path.stem}"
        counted = None if count is None else functools.partial(count, phase)
        pred = predict_frames(frames.model, frames.tokenizer, p, progress=counted)
        ys.append(rec.labels)
        ps.append(pred.labels)
        prs.append(pred.probabilities)
        with atomic_path(pred_dir / f"{path.stem}_behaviour.csv") as tmp:
            table = labels_frame(rec).rename(columns=lambda c: f"true_{c}")
            for k, name in enumerate(pred.names):
                table[f"p_{name}"] = pred.probabilities[:, k]
            table["predicted"] = [pred.names[k] for k in pred.labels]
            table.to_csv(tmp, index=False)
    fm = frame_metrics(
        np.concatenate(ys),
        np.concatenate(ps),
        probabilities=np.concatenate(prs),
        names=list(recordings[0].behaviours),
    )
    group_names = list(genotype.model.config.sequence_labels)
    probs = []  # recording by recording (the same numbers), to count them
    for done, p in enumerate(poses, start=1):
        probs.append(predict_sequences(genotype.model, genotype.tokenizer, [p]))
        if count is not None:
            count(PREDICT_GENOTYPE, done, len(poses))
    probs = np.concatenate(probs)
    truth = np.array([group_names.index(r.genotype) for r in recordings])
    return {"frames": fm, "genotype": sequence_metrics(truth, probs, names=group_names)}


def summary_text(settings: DemoSettings, metrics: dict, names, shot: str) -> str:
    """The markdown summary of a demo run."""
    fm, sm = metrics["frames"], metrics["genotype"]
    loss = metrics["pretrain_final_loss"]
    lines = [
        "# BehaVERT demo on synthetic two-mouse recordings",
        "",
        f"- recordings: {settings.n_train} train, {settings.n_test} held out, "
        f"{settings.n_frames} frames each (synthetic, seed 0)",
        f"- screenshot: {shot}",
        f"- pretraining ({settings.preset}, {settings.pretrain_steps} steps): "
        f"final masked loss {loss if loss is not None else float('nan'):.4f}",
        f"- per-frame behaviour, held out: macro-F1 {fm['macro_f1']:.3f}, "
        f"accuracy {fm['accuracy']:.3f}",
        "- per-class F1: "
        + ", ".join(f"{n} {fm.get(f'f1/{n}', float('nan')):.2f}" for n in names),
        f"- genotype (wt vs ko) per recording, held out: accuracy {sm['accuracy']:.3f}",
        f"- total time: {metrics['seconds']} s",
    ]
    return "\n".join(lines) + "\n"
