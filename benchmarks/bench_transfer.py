"""Transfer benchmark: a model pretrained on another skeleton vs training from scratch.

(a) Synthetic. A BehaVERT encoder is pretrained (masked pose modelling) on
    synthetic rat-like recordings (11 keypoints, other names, 1.8x body), then
    transferred (:func:`behavert.train.transfer.transfer`: new token
    projection initialised through the keypoint mapping, a short realignment of
    the projection, then fine-tuning) to the synthetic mouse skeleton (12
    keypoints) with a small share of labelled training bouts. It is compared
    with the same fine-tuning from a fresh encoder. Metric: per-frame macro-F1
    (7 behaviours) on held-out synthetic mouse recordings.
(b) Real. The single-mouse recordings of ``../shared/data`` (DLC open field 4
    keypoints, B-SOiD bottom-up 6 keypoints at 60 fps taken every other frame,
    DeepOF 14 keypoints) are mapped onto the resident-intruder skeleton's
    keypoint names (:func:`behavert.data.mapping.apply_mapping`; keypoints a
    recording lacks are masked) and pretrain one single-animal encoder, which
    is transferred to ``labelled/ethome_resident_intruder`` (2 mice x 7
    keypoints, label ``interact``; first 70 % train, last 30 % test,
    time-blocked). Metric: per-frame macro-F1 (interact / other) and the F1
    of ``interact`` on the test block.

Label budgets keep a random share of the training *bouts* (runs of one
class), at least one bout per class; the other training frames are unlabelled
(ignored). Both arms use the same fine-tuning settings, steps and seeds.

Usage::

    python benchmarks/bench_transfer.py --quick            # ~3 min on 2 cores
    python benchmarks/bench_transfer.py --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

START = "<!-- bench_transfer:start -->"
END = "<!-- bench_transfer:end -->"
DATA = Path(os.environ.get("BEHAVERT_SHARED_DATA", Path(__file__).resolve().parents[2]
            / "shared" / "data"))  # fmt: skip
ETHOME = "labelled/ethome_resident_intruder/e3v813a-20210610T122332-122642"
SINGLE_MOUSE = (
    "dlc/openfield_pranav/openfield_dlc_inference_example.csv",
    "dlc/bsoid_bottomup/raw_clip1DLC_resnet50_OpenFieldHighResApr8shuffle1_1030000.h5",
    "dlc/bsoid_bottomup/raw_clip2DLC_resnet50_OpenFieldHighResApr8shuffle1_1030000.h5",
    "dlc/deepof_tests/testDLC_square_arena.h5",
    "dlc/deepof_tests/testDLC_h5_table.h5",
)


@dataclass(frozen=True)
class Sizes:
    """How much of everything one run uses."""

    rat_recordings: int
    frames: int
    mouse_train: int
    mouse_test: int
    pretrain_steps: int
    finetune_steps: int
    realign_steps: int
    seeds: int


QUICK = Sizes(3, 900, 2, 2, 120, 100, 20, 1)
FULL = Sizes(6, 1800, 4, 3, 600, 200, 50, 3)
TINY = Sizes(1, 200, 1, 1, 2, 2, 1, 1)  # smoke test only


def keep_bouts(labels_list, fraction: float, rng) -> list[np.ndarray]:
    """Labels with only a random ``fraction`` of all bouts kept (others -100).

    Bouts (runs of one class) are pooled over the recordings; at least one
    bout of every class present is kept.
    """
    bouts = []  # (recording, start, stop, class)
    for r, labels in enumerate(labels_list):
        labels = np.asarray(labels)
        edges = np.flatnonzero(np.diff(labels)) + 1
        for a, b in zip(np.r_[0, edges], np.r_[edges, len(labels)]):
            bouts.append((r, int(a), int(b), int(labels[a])))
    order = rng.permutation(len(bouts))
    k = max(1, int(round(fraction * len(bouts))))
    chosen, classes = [], set()
    for i in order:  # one bout per class first
        if bouts[i][3] not in classes:
            classes.add(bouts[i][3])
            chosen.append(i)
    for i in order:
        if len(chosen) >= k:
            break
        if i not in chosen:
            chosen.append(i)
    out = [np.full(len(y), -100, dtype=np.int64) for y in labels_list]
    for i in chosen:
        r, a, b, c = bouts[i]
        out[r][a:b] = c
    return out


def _n_runs(labels_list) -> int:
    """Number of labelled runs (bouts) in ``-100``-padded labels."""
    n = 0
    for y in labels_list:
        y = np.asarray(y)
        change = np.r_[True, y[1:] != y[:-1]]
        n += int((change & (y >= 0)).sum())
    return n


def _pretrain_config(sizes: Sizes, seed: int, steps: int):
    """Pretraining settings: ``behavert pretrain``'s recipe (PRETRAIN_RECIPE)."""
    from behavert.train.config import PRETRAIN_RECIPE

    return _train_config(sizes, seed, steps, **PRETRAIN_RECIPE)


def _train_config(sizes: Sizes, seed: int, steps: int, **extra):
    from behavert.train import TrainConfig

    return TrainConfig(
        max_steps=steps,
        batch_size=8,
        lr=1e-3,
        warmup_steps=max(1, steps // 10),
        seed=seed,
        device="cpu",
        class_weights="balanced",
        log_every=max(1, steps),
        **extra,
    )


def _f1(model, tokenizer, poses_list, truth_list, names) -> dict:
    from behavert.inference import predict_frames
    from behavert.train.metrics import frame_metrics

    pred = np.concatenate(
        [predict_frames(model, tokenizer, p).labels for p in poses_list]
    )
    truth = np.concatenate(truth_list)
    return frame_metrics(truth, pred, names=names)


def _compare(pretrained, train_poses, train_labels, test_poses, test_labels, names,
             budgets, sizes, rows, dataset, extra_key=None, same=None):  # fmt: skip
    """Scratch vs transfer (and, with ``same``, a same-skeleton pretrained run)."""
    from behavert.train import finetune_frames, run_to_end
    from behavert.train.transfer import transfer

    for fraction in budgets:
        for seed in range(sizes.seeds):
            rng = np.random.default_rng([seed, int(fraction * 1000)])
            labels = keep_bouts(train_labels, fraction, rng)
            tc = _train_config(sizes, seed, sizes.finetune_steps)
            t0 = time.perf_counter()
            scratch = run_to_end(
                finetune_frames(train_poses, labels, train_config=tc, class_names=names)
            )
            t1 = time.perf_counter()
            moved = run_to_end(
                transfer(
                    pretrained,
                    None,
                    train_poses,
                    labels_list=labels,
                    class_names=names,
                    realign_steps=sizes.realign_steps,
                    train_config=tc,
                )
            )
            t2 = time.perf_counter()
            arms = [("scratch", scratch, t1 - t0), ("transfer", moved, t2 - t1)]
            if same is not None:
                control = run_to_end(
                    finetune_frames(
                        train_poses, labels, init=same, train_config=tc,
                        class_names=names,
                    )
                )  # fmt: skip
                arms.append(("same", control, time.perf_counter() - t2))
            for arm, run, secs in arms:
                m = _f1(run.model, run.tokenizer, test_poses, test_labels, names)
                rows.append(
                    {
                        "dataset": dataset,
                        "budget": fraction,
                        "seed": seed,
                        "arm": arm,
                        "macro_f1": m["macro_f1"],
                        "extra": m.get(f"f1/{extra_key}") if extra_key else None,
                        "labelled_frames": int(sum((y >= 0).sum() for y in labels)),
                        "labelled_bouts": _n_runs(labels),
                        "seconds": secs,
                    }
                )


def run_synthetic(sizes: Sizes, budgets, rows) -> dict:
    """Part (a); appends result rows; returns facts for the report."""
    from behavert.datasets.synthetic import make_synthetic_dataset
    from behavert.datasets.synthetic_species import rat_dataset
    from behavert.train import pretrain, run_to_end

    rats = [r.poses for r in rat_dataset(sizes.rat_recordings, sizes.frames, seed=11)]
    t0 = time.perf_counter()
    rat_run = run_to_end(
        pretrain(rats, train_config=_pretrain_config(sizes, 0, sizes.pretrain_steps))
    )
    secs = time.perf_counter() - t0
    n_lab = sizes.mouse_train + sizes.mouse_test
    mice = make_synthetic_dataset(n_lab + sizes.rat_recordings, sizes.frames, seed=21)
    train, test = mice[: sizes.mouse_train], mice[sizes.mouse_train : n_lab]
    # control: the same pretraining on unlabelled synthetic *mouse* recordings
    same = run_to_end(
        pretrain(
            [m.poses for m in mice[n_lab:]],
            train_config=_pretrain_config(sizes, 0, sizes.pretrain_steps),
        )
    )
    names = list(mice[0].behaviours)
    _compare(rat_run, [m.poses for m in train], [m.labels for m in train],
             [m.poses for m in test], [m.labels for m in test], names, budgets,
             sizes, rows, "synthetic", same=same)  # fmt: skip
    return {"pretrain_seconds": secs, "rat_frames": sum(p.n_frames for p in rats)}


def _ethome():
    from behavert.io.labels import load_frame_labels, to_class_indices
    from behavert.io.load import load_poses

    base = DATA / ETHOME
    poses = load_poses(
        base.parent
        / (
            base.name + "DLC_dlcrnetms5_pilot_studySep24shuffle1_100000_el_filtered.csv"
        )  # fmt: skip
    )
    labels = load_frame_labels(
        base.parent / (base.name + "_reencode.csv"), n_frames=poses.n_frames
    )
    return poses, to_class_indices(labels, "other"), ("other", "interact")


def real_pretraining_poses(target_keypoints):
    """The single-mouse recordings, each mapped onto ``target_keypoints``."""
    from behavert.data.mapping import apply_mapping, map_keypoints
    from behavert.io.load import load_poses

    out, reports = [], []
    for rel in SINGLE_MOUSE:
        poses = load_poses(DATA / rel)
        if "bsoid" in rel:
            poses = poses.select_frames(slice(None, None, 2))  # 60 -> 30 fps
        mapping = map_keypoints(poses.keypoints, target_keypoints)
        reports.append((Path(rel).name, mapping))
        mapped = apply_mapping(poses, mapping)
        out.append(mapped.replace(individuals=("mouse",), edges=()))
    return out, reports


def run_real(sizes: Sizes, budgets, rows) -> dict:
    """Part (b); appends result rows; returns facts for the report."""
    import warnings

    from behavert.train import pretrain, run_to_end

    poses, truth, names = _ethome()
    cut = int(0.7 * poses.n_frames)
    if sizes is TINY:
        poses, truth, cut = poses.select_frames(slice(0, 400)), truth[:400], 280
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # all-NaN keypoints of the mapped data
        single, reports = real_pretraining_poses(poses.keypoints)
        if sizes is TINY:
            single = [p.select_frames(slice(0, 200)) for p in single[:1]]
        t0 = time.perf_counter()
        run = run_to_end(
            pretrain(
                single, train_config=_pretrain_config(sizes, 0, sizes.pretrain_steps)
            )
        )
    secs = time.perf_counter() - t0
    train = poses.select_frames(slice(0, cut))
    test = poses.select_frames(slice(cut, None))
    _compare(run, [train], [truth[:cut]], [test], [truth[cut:]], list(names),
             budgets, sizes, rows, "real", extra_key="interact")  # fmt: skip
    return {
        "pretrain_seconds": secs,
        "single_frames": sum(p.n_frames for p in single),
        "mappings": reports,
        "train_frames": cut,
        "test_frames": poses.n_frames - cut,
    }


def _table(rows, dataset, extra_name=None) -> list[str]:
    budgets = sorted({r["budget"] for r in rows if r["dataset"] == dataset})
    head = "| training bouts labelled | labelled frames | scratch macro-F1 | "
    head += "transfer macro-F1 | difference |"
    sep = "|---|---|---|---|---|"
    if extra_name:
        head += f" scratch F1 {extra_name} | transfer F1 {extra_name} |"
        sep += "---|---|"
    has_same = any(r["arm"] == "same" for r in rows if r["dataset"] == dataset)
    if has_same:
        head += " same-skeleton pretrained macro-F1 |"
        sep += "---|"
    lines = [head, sep]
    for b in budgets:
        sel = [r for r in rows if r["dataset"] == dataset and r["budget"] == b]
        s = [r for r in sel if r["arm"] == "scratch"]
        t = [r for r in sel if r["arm"] == "transfer"]

        def fmt(vals):
            vals = np.asarray(vals, dtype=float)
            if len(vals) == 1:
                return f"{vals[0]:.3f}"
            return f"{vals.mean():.3f} ± {vals.std(ddof=1):.3f}"

        sf, tf = [r["macro_f1"] for r in s], [r["macro_f1"] for r in t]
        diff = np.mean(tf) - np.mean(sf)
        frames = int(np.mean([r["labelled_frames"] for r in s]))
        bouts = int(np.mean([r["labelled_bouts"] for r in s]))
        line = f"| {b:.0%} ({bouts} bouts) | {frames} | {fmt(sf)} | {fmt(tf)} |"
        line += f" {diff:+.3f} |"
        if has_same:
            line += f" {fmt([r['macro_f1'] for r in sel if r['arm'] == 'same'])} |"
        if extra_name:
            line += (
                f" {fmt([r['extra'] for r in s])} | {fmt([r['extra'] for r in t])} |"
            )
        lines.append(line)
    return lines


def verdict(rows, dataset) -> str:
    """One sentence per budget: transfer (and the control) minus scratch.

    The difference is the mean over seeds of paired differences (same seed,
    same labelled bouts); "helps"/"hurts" needs it beyond 0.02 macro-F1 *and*
    beyond two standard errors of the paired differences, else "no clear
    change".
    """
    parts = []
    for b in sorted({r["budget"] for r in rows if r["dataset"] == dataset}):
        sel = [r for r in rows if r["dataset"] == dataset and r["budget"] == b]
        text = f"{b:.0%}: "
        for arm, label in (("transfer", "transfer"), ("same", "same-skeleton")):
            d = _paired(sel, arm)
            if d is None:
                continue
            if arm == "same":
                text += ", "
            text += f"{label} {_word(d)} ({d.mean():+.3f})"
        parts.append(text)
    return "Versus scratch, by budget: " + "; ".join(parts) + "."


def _paired(sel, arm):
    by_seed = {r["seed"]: r["macro_f1"] for r in sel if r["arm"] == "scratch"}
    d = [r["macro_f1"] - by_seed[r["seed"]] for r in sel if r["arm"] == arm]
    return np.asarray(d) if d else None


def _word(d: np.ndarray) -> str:
    """'helps' / 'hurts' when clear of 0.02 and of 2 standard errors."""
    se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else 0.0
    m = float(d.mean())
    if abs(m) <= max(0.02, 2 * se):
        return "no clear change"
    return "helps" if m > 0 else "hurts"


def report(rows, facts, sizes, argv) -> str:
    lines = []
    if "synthetic" in facts:
        f = facts["synthetic"]
        lines += [
            "**(a) Synthetic: rat-like skeleton (11 keypoints) -> mouse skeleton "
            "(12 keypoints).** Pretraining: "
            f"{sizes.rat_recordings} synthetic rat recordings, {f['rat_frames']} "
            f"frames, {sizes.pretrain_steps} steps with `behavert pretrain`'s recipe "
            f"({f['pretrain_seconds']:.0f} s). "
            f"Fine-tuning: {sizes.mouse_train} synthetic mouse recordings x "
            f"{sizes.frames} frames, {sizes.finetune_steps} steps (transfer: "
            f"+{sizes.realign_steps} realignment steps); test: "
            f"{sizes.mouse_test} held-out recordings; {sizes.seeds} seed(s) "
            "(mean ± sd). Control: the same pretraining on "
            f"{sizes.rat_recordings} unlabelled synthetic *mouse* recordings, "
            "then `finetune_frames(init=...)` (same skeleton, no transfer).",
            "",
            *_table(rows, "synthetic"),
            "",
            verdict(rows, "synthetic"),
            "",
        ]
    if "real" in facts:
        f = facts["real"]
        maps = "; ".join(
            f"{name}: {len(m.pairs)}/{len(m.source)} keypoints mapped"
            for name, m in f["mappings"]
        )
        lines += [
            "**(b) Real: single-mouse recordings (4, 6, 14 keypoints) -> "
            "resident-intruder (2 mice x 7 keypoints, `interact`).** Pretraining: "
            f"{f['single_frames']} frames mapped onto the 7 resident-intruder "
            f"keypoint names ({maps}), {sizes.pretrain_steps} steps "
            f"({f['pretrain_seconds']:.0f} s). Fine-tuning on the first "
            f"{f['train_frames']} frames (70 %), test on the last "
            f"{f['test_frames']} (30 %), {sizes.finetune_steps} steps "
            f"(transfer: +{sizes.realign_steps} realignment steps); "
            f"{sizes.seeds} seed(s).",
            "",
            *_table(rows, "real", "interact"),
            "",
            verdict(rows, "real"),
            "",
        ]
    cpu = os.cpu_count()
    versions = ", ".join(
        f"{p} {metadata.version(p)}" for p in ("torch", "transformers", "numpy")
    )
    lines += [
        "- Model: `tiny` preset (hidden 32, 2 layers), window 64, batch 8, "
        "lr 1e-3, balanced class weights, CPU.",
        f"- Machine: {cpu} CPUs (os.cpu_count), {platform.processor() or 'cpu'}, "
        f"{platform.system()} {platform.release()}; shared with other jobs.",
        f"- Versions: Python {platform.python_version()}, {versions}.",
        f"- Date: {datetime.date.today().isoformat()}.",
        "- Command: `" + " ".join(["python benchmarks/bench_transfer.py", *argv]) + "`",
    ]
    return "\n".join(lines)


def write_section(doc: Path, body: str) -> None:
    """Put ``body`` between the markers of ``doc`` (appending the section once)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks._doc import update_section as update

    update(doc, "bench_transfer", "## Transfer", body)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small, ~3 min")
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--part", choices=("synthetic", "real", "both"), default="both")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument(
        "--unlabelled", type=int, help="synthetic recordings to pretrain on"
    )
    parser.add_argument("--pretrain-steps", type=int, default=None)
    parser.add_argument("--write", type=Path, default=None, help="update this file")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    sizes = TINY if args.tiny else QUICK if args.quick else FULL
    if args.seeds:
        sizes = Sizes(**{**sizes.__dict__, "seeds": args.seeds})
    if args.unlabelled:
        sizes = Sizes(**{**sizes.__dict__, "rat_recordings": args.unlabelled})
    if args.pretrain_steps:
        sizes = Sizes(**{**sizes.__dict__, "pretrain_steps": args.pretrain_steps})
    rows: list[dict] = []
    facts: dict = {}
    if args.part in ("synthetic", "both"):
        budgets = (0.3,) if args.tiny else (0.05, 0.1, 0.3)
        facts["synthetic"] = run_synthetic(sizes, budgets, rows)
    if args.part in ("real", "both"):
        if not DATA.is_dir():
            raise SystemExit(f"{DATA} is absent: run with --part synthetic")
        budgets = (0.3,) if args.tiny else (0.1, 0.3)
        facts["real"] = run_real(sizes, budgets, rows)
    shown = [a for a in (argv if argv is not None else sys.argv[1:])]
    text = report(rows, facts, sizes, shown)
    print(text)
    if args.write is not None:
        write_section(args.write, text)
    return text


if __name__ == "__main__":
    main()
