"""Real labelled data: BehaVERT vs a distance threshold on ethome resident-intruder.

The recording (../shared/data/labelled/ethome_resident_intruder: two mice,
7 keypoints each, 5,700 frames, human BORIS labels of ``interact``) is split in
time: the first 70 % of frames train, the last 30 % test. Three methods see the
same frames:

- the simplest baseline a scientist would try: one threshold on the minimum
  inter-animal keypoint distance, tuned for F1 on the training 70 %;
- BehaVERT fine-tuned from scratch on the training 70 % (a time block of it held
  out for early stopping), predictions smoothed to bouts >= ``--min-bout``
  frames (a fixed 0.5 s prior, not tuned on the test frames);
- BehaVERT pretrained by masked pose modelling on the unlabelled training
  frames first, then fine-tuned the same way.

Run: ``python benchmarks/bench_ethome.py [--seeds 0 1 2] [--write docs/benchmarks.md]``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = (
    Path(os.environ.get("BEHAVERT_SHARED_DATA", REPO.parent / "shared" / "data"))
    / "labelled"
    / "ethome_resident_intruder"
)
POSES = "e3v813a-20210610T122332-122642DLC_dlcrnetms5_pilot_studySep24shuffle1_100000_el_filtered.csv"  # noqa: E501
LABELS = "e3v813a-20210610T122332-122642_reencode.csv"
START = "<!-- bench_ethome:start -->"
END = "<!-- bench_ethome:end -->"


def load(data: Path = DATA):
    """The ethome poses and their ``interact`` mask."""
    from behavert import load_poses
    from behavert.io.labels import load_frame_labels

    poses = load_poses(data / POSES)
    labels = load_frame_labels(data / LABELS, n_frames=poses.n_frames, fps=30.0)
    truth = np.asarray(labels.values[:, labels.names.index("interact")] > 0)
    return poses, truth


def scores(truth, pred, prob=None) -> dict:
    """F1, average precision and bout recall of one method on the test frames."""
    from sklearn.metrics import average_precision_score, f1_score

    from behavert.train.metrics import bout_recall

    out = {
        "f1": float(f1_score(truth, pred)),
        "ap": float(average_precision_score(truth, prob if prob is not None else pred)),
    }
    out.update(bout_recall(truth, pred))
    return out


def run_baseline(poses, truth, cut: int) -> dict:
    from behavert.train.baselines import fit_threshold, min_distance, predict_threshold

    d = min_distance(poses)
    th = fit_threshold(d[:cut], truth[:cut])
    pred = predict_threshold(d[cut:], th)
    far = np.nan_to_num(d[cut:], nan=np.nanmax(d))
    res = scores(truth[cut:], pred, -far)
    res["threshold_px"] = th
    return res


def run_behavert(
    poses,
    truth,
    cut: int,
    *,
    seed: int,
    steps: int,
    pretrain_steps: int,
    preset: str,
    min_bout: int,
) -> dict:
    from behavert.inference import predict_frames
    from behavert.train import TrainConfig, finetune_frames, pretrain
    from behavert.train.loop import run_to_end
    from behavert.train.metrics import smooth_bouts

    train = poses.select_frames(slice(0, cut))
    test = poses.select_frames(slice(cut, None))
    init = None
    if pretrain_steps:
        tc = TrainConfig(
            lr=1e-3,
            batch_size=16,
            max_steps=pretrain_steps,
            seed=seed,
            mask_mode="span",
        )
        init = run_to_end(pretrain([train], config=preset, train_config=tc))
    tc = TrainConfig(
        lr=1e-3,
        batch_size=16,
        max_steps=steps,
        seed=seed,
        val_fraction=0.2,
        val_blocks=2,
        eval_every=25,
        early_stopping_patience=6,
        class_weights="balanced",
        dropout=0.2,
        weight_decay=0.05,
    )
    y = truth[:cut].astype(np.int64)
    result = run_to_end(
        finetune_frames(
            [train],
            [y],
            init,
            config=preset,
            train_config=tc,
            class_names=["other", "interact"],
        )
    )
    pred = predict_frames(result.model, result.tokenizer, test)
    prob = pred.probabilities[:, 1]
    hard = smooth_bouts((prob > 0.5).astype(np.int64), min_bout) > 0
    return scores(truth[cut:], hard, prob)


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--pretrain-steps", type=int, default=300)
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--min-bout", type=int, default=15)
    parser.add_argument("--train-fraction", type=float, default=0.7)
    parser.add_argument("--write", type=Path, help="update this markdown file")
    args = parser.parse_args(argv)
    import torch

    poses, truth = load()
    cut = int(round(args.train_fraction * poses.n_frames))
    t0 = time.perf_counter()
    rows = {"distance threshold (tuned on train)": [run_baseline(poses, truth, cut)]}
    for name, pre in (
        ("BehaVERT from scratch", 0),
        ("BehaVERT pretrained (unlabelled train frames)", args.pretrain_steps),
    ):
        rows[name] = [
            run_behavert(
                poses,
                truth,
                cut,
                seed=s,
                steps=args.steps,
                pretrain_steps=pre,
                preset=args.preset,
                min_bout=args.min_bout,
            )
            for s in args.seeds
        ]
    seconds = time.perf_counter() - t0

    def cell(runs, key):
        v = np.array([r[key] for r in runs])
        return f"{v.mean():.3f}" if len(v) == 1 else f"{v.mean():.3f} ± {v.std():.3f}"

    cmd = "python benchmarks/bench_ethome.py " + " ".join(argv or sys.argv[1:])
    lines = [
        START,
        f"Command: `{cmd.strip()}` — {datetime.date.today()}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__}, {seconds:.0f} s. Test = last "
        f"{poses.n_frames - cut} frames ({int(truth[cut:].sum())} `interact` frames, "
        f"{len(_bouts(truth[cut:]))} bouts); train = first {cut} frames "
        f"({len(_bouts(truth[:cut]))} bouts). BehaVERT: preset `{args.preset}`, "
        f"seeds {args.seeds} (mean ± sd), bouts >= {args.min_bout} frames.",
        "",
        "| method | F1 | average precision | bout recall |",
        "|---|---|---|---|",
    ]
    for name, runs in rows.items():
        lines.append(
            f"| {name} | {cell(runs, 'f1')} | {cell(runs, 'ap')} | "
            f"{cell(runs, 'bout_recall')} |"
        )
    lines.append(END)
    report = "\n".join(lines)
    print(report)
    if args.write:
        text = args.write.read_text()
        if START in text:
            head, rest = text.split(START, 1)
            text = head + report + rest.split(END, 1)[1]
        else:
            text += "\n## Real labelled data: ethome `interact`\n\n" + report + "\n"
        args.write.write_text(text)
    return report


def _bouts(mask):
    from behavert.io.bouts import mask_runs

    return mask_runs(np.asarray(mask, dtype=bool))


if __name__ == "__main__":
    main()
