"""Real benchmark on the 46 rat sessions (issue 11): does pretraining pay?

Data: ../shared/data/labelled/rat_social_cba (two rats, 5 keypoints each,
~14.5k frames per session, Caltech Behavior Annotator labels, section 9 of the
data README). Split by session, fixed and written down here: the ``TEST``
sessions are only ever scored, the others (``train_sessions()``) are the pool
that labels are drawn from and the unlabelled poses that pretraining reads.
Frames of one session are never on both sides.

Tasks:

- ``S1``: aggression / social / nonsocial; ``base`` (the unscored lead-in) is
  ignored in training and scoring.
- ``S2``: the 7 aggression sub-types with ``base`` as the background class;
  macro-F1 and mean AP average the 7 sub-types (background left out of the
  mean). Sessions whose file has no ``S2`` stream take no part.

Label budgets: 1, 3, 10 and all training sessions labelled. For a seed, the
labelled sessions are nested (1 of 3 of 10 of all): a seeded shuffle of the
training sessions, those in which the task's behaviours occur first
(``ELIGIBLE``), as a lab would label sessions that show the behaviour.

Arms: the SimBA-style random forest (``behavert.train.forest``); BehaVERT
from scratch; BehaVERT pretrained by masked pose modelling on the unlabelled
poses of all training sessions (the test poses are never seen), one
pretraining per seed; BehaVERT transductive (``--arms transductive``, not run
by default) pretrained the same way on the poses of the training *and* test
sessions (never their labels), as a lab pretraining on every recording it has
would. Every arm is scored on every test frame: macro-F1,
per-class F1, average precision and wall time (training + prediction). At the
3-session budget, linear probes (``behavert.train.probe``: a logistic
regression on frozen final-layer tokens) of the pretrained encoder and of a
randomly initialised one of the same size show what pretraining alone learned.

    python benchmarks/bench_rat.py [--seeds 0 1 2] [--tasks S1 S2]
        [--budgets 1 3 10 all]
        [--arms forest scratch pretrained probe-random probe-pretrained
                transductive]
        [--results FILE.jsonl] [--write docs/benchmarks.md]

Results are appended to ``--results`` as JSON lines as they come (a rerun
skips what is there); ``--write`` turns the file into the table and plot of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = (
    Path(os.environ.get("BEHAVERT_SHARED_DATA", REPO.parent / "shared" / "data"))
    / "labelled"
    / "rat_social_cba"
)
#: the test sessions: every fourth session in number order (11 of 46)
TEST = (4, 9, 14, 19, 24, 29, 34, 39, 44, 49, 54)
S1_CLASSES = ("aggression", "social", "nonsocial")
S2_CLASSES = (
    "freezing",
    "lateralthreat",
    "keepdown",
    "chase",
    "uprightposture",
    "bite",
    "clinch",
)
TASKS = {
    "S1": {"behaviours": ("base", *S1_CLASSES), "unscored": ("base",)},
    "S2": {"behaviours": ("base", *S2_CLASSES), "unscored": ()},
}
BUDGETS = ("1", "3", "10", "all")
ARMS = (
    "forest",
    "scratch",
    "pretrained",
    "transductive",
    "probe-random",
    "probe-pretrained",
)
#: arms run when ``--arms`` is not given
DEFAULT_ARMS = tuple(a for a in ARMS if a != "transductive")
#: arms fine-tuned from a pretrained encoder
PRETRAINED_ARMS = ("pretrained", "transductive")
#: model size and the step counts of the benchmark (2-core CPU)
PRESET = "tiny"
#: overrides of the preset (hidden_size, ...): 128-frame windows (the presets
#: read 64) lifted both BehaVERT arms on the rats (docs/benchmarks.md, session 8)
SIZE: dict = {"window": 128}
#: tracking gaps bridged by every tokenizer (``--max-gap 300``)
MAX_GAP = 300
PRETRAIN = {"max_steps": 4000, "batch_size": 32, "lr": 1e-3, "warmup_steps": 200}
#: fine-tuning, both BehaVERT arms: ``behavert train --augment swap mirror
#: --label-smoothing 0.1`` (S1 and S2 label the pair); no early stopping (the
#: last step's weights are kept): a 20 % validation block of 1-3 sessions is too
#: noisy to stop on (docs/benchmarks.md, session 7)
FINETUNE = {
    "augment": ("swap", "mirror"),
    "label_smoothing": 0.1,
    "max_steps": 1600,
    "batch_size": 16,
    "lr": 1e-3,
    "warmup_steps": 20,
    "val_fraction": 0.2,
    "eval_every": 100,
    "early_stopping_patience": None,
    "class_weights": "balanced",
}
#: what the pretrained arm changes in fine-tuning (nothing: the same recipe)
PRETRAINED_FINETUNE: dict = {}
#: pretraining's recipe: ``behavert pretrain``'s (``PRETRAIN_RECIPE``)
PRETRAIN_MASK: dict = {"augment": ("swap", "mirror"), "hide_animal": 0.5}
#: fine-tuning steps beyond 3 labelled sessions
MORE_STEPS = 3200
FOREST = {"n_estimators": 100, "min_samples_leaf": 20, "max_frames": 150_000}


def session_numbers() -> list[int]:
    """Every session here, in number order."""
    files = (DATA / "dlc_csv").glob("*.csv")
    return sorted(int(re.match(r"\d+", f.name).group()) for f in files)


def train_sessions() -> list[int]:
    return [n for n in session_numbers() if n not in TEST]


@functools.cache
def poses_of(n: int):
    from behavert import load_poses

    return load_poses(next((DATA / "dlc_csv").glob(f"{n}DLC*.csv")))


@functools.cache
def labels_of(n: int, task: str):
    """Session ``n``'s ``FrameLabels`` for ``task``; None without that stream."""
    from behavert.errors import LabelFileError
    from behavert.io.labels import drop_unscored, load_frame_labels

    poses, spec = poses_of(n), TASKS[task]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 1-59 frames past the poses
        try:
            labels = load_frame_labels(
                DATA / "annotations" / f"{n}_annot.txt",
                frame_index=poses.frame_index,
                stream=task,
                behaviours=spec["behaviours"],
            )
        except LabelFileError as err:
            if "has no stream" in str(err):
                return None
            raise
    return drop_unscored(labels, spec["unscored"]) if spec["unscored"] else labels


def classes_of(task: str) -> tuple[str, ...]:
    """The classes a task is scored on."""
    return S1_CLASSES if task == "S1" else S2_CLASSES


def background(task: str) -> str:
    return "base" if task == "S2" else "other"


def targets(n: int, task: str) -> np.ndarray:
    from behavert.io.labels import to_class_indices

    return to_class_indices(labels_of(n, task), background(task))


def class_names(task: str) -> tuple[str, ...]:
    from behavert.io.labels import class_names_with_background

    first = test_sessions(task)[0]
    return class_names_with_background(labels_of(first, task), background(task))


def eligible(n: int, task: str) -> bool:
    """Sessions a lab would label first: the task's behaviours occur in them."""
    labels = labels_of(n, task)
    if labels is None:
        return False
    counts = dict(zip(labels.names, np.asarray(labels.values).sum(0)))
    if task == "S1":
        return counts["aggression"] >= 500
    return sum(counts[c] > 0 for c in S2_CLASSES) >= 5


def budget_sessions(task: str, seed: int, budget: str) -> list[int]:
    """The labelled sessions of ``budget`` for ``seed`` (nested across budgets)."""
    pool = [n for n in train_sessions() if labels_of(n, task) is not None]
    rng = np.random.default_rng(1000 + seed)
    first = [n for n in pool if eligible(n, task)]
    rest = [n for n in pool if not eligible(n, task)]
    order = list(rng.permutation(first)) + list(rng.permutation(rest))
    k = len(order) if budget == "all" else int(budget)
    return sorted(int(n) for n in order[:k])


def test_sessions(task: str) -> list[int]:
    return [n for n in TEST if labels_of(n, task) is not None]


def score(task: str, truth: np.ndarray, probs: np.ndarray) -> dict:
    """Macro-F1, per-class F1 and AP over the task's scored classes."""
    from sklearn.metrics import average_precision_score, f1_score

    names = class_names(task)
    scored = S1_CLASSES if task == "S1" else S2_CLASSES
    idx = [names.index(c) for c in scored]
    keep = truth >= 0
    t, p = truth[keep], probs[keep]
    pred = p.argmax(1)
    f1 = f1_score(t, pred, labels=idx, average=None, zero_division=0)
    out = {"macro_f1": float(np.mean(f1))}
    aps = []
    for c, i, value in zip(scored, idx, f1):
        out[f"f1/{c}"] = float(value)
        if (t == i).any():
            aps.append(float(average_precision_score(t == i, p[:, i])))
            out[f"ap/{c}"] = aps[-1]
    out["mean_ap"] = float(np.mean(aps))
    return out


def _fill(probs: np.ndarray, classes: np.ndarray, n: int) -> np.ndarray:
    full = np.zeros((len(probs), n))
    full[:, classes] = probs
    return full


def run_forest(task: str, labelled: list[int], seed: int) -> dict:
    from behavert.train.forest import fit_forest

    start = time.time()
    ys = [targets(n, task) for n in labelled]
    cap = FOREST["max_frames"] // len(labelled)  # frames per session, evenly spaced
    ys_cut = []
    for y in ys:
        keep = np.flatnonzero(y >= 0)
        step = max(1, int(np.ceil(len(keep) / cap)))
        cut = np.full_like(y, -100)
        cut[keep[::step]] = y[keep[::step]]
        ys_cut.append(cut)
    forest = fit_forest(
        [poses_of(n) for n in labelled],
        ys_cut,
        n_estimators=FOREST["n_estimators"],
        min_samples_leaf=FOREST["min_samples_leaf"],
        seed=seed,
        n_jobs=2,
    )
    n = len(class_names(task))
    truth, probs = [], []
    for s in test_sessions(task):
        probs.append(_fill(forest.predict_proba(poses_of(s)), forest.classes, n))
        truth.append(targets(s, task))
    res = score(task, np.concatenate(truth), np.concatenate(probs))
    res["seconds"] = time.time() - start
    return res


def tokenizer_for(sessions):
    """A tokenizer fitted on the sessions' poses, bridging gaps of ``MAX_GAP``."""
    from behavert.data.tokenizer import PoseTokenizer, TokenizerConfig

    return PoseTokenizer(TokenizerConfig(max_gap=MAX_GAP)).fit(
        [poses_of(n) for n in sessions]
    )


def model_config():
    from behavert.model import BehavertConfig

    return BehavertConfig.from_preset(PRESET, **SIZE)


@functools.cache
def pretrained(seed: int, mask_key: str = "", transductive: bool = False):
    """The encoder pretrained on every training session's poses (cached);
    ``transductive``: on the test sessions' poses too (the tokenizer stays the
    training sessions')."""
    from behavert.train import TrainConfig, pretrain, run_to_end

    start = time.time()
    tc = TrainConfig(seed=seed, **PRETRAIN, **PRETRAIN_MASK)
    sessions = [*train_sessions(), *(TEST if transductive else ())]
    run = run_to_end(
        pretrain(
            [poses_of(n) for n in sessions],
            tokenizer_for(train_sessions()),
            config=model_config(),
            train_config=tc,
        )
    )
    return run, time.time() - start


def score_test_sessions(task: str, run) -> dict:
    """`score` of a fine-tuned run's predictions on every test session."""
    from behavert.inference import predict_frames

    truth, probs = [], []
    for s in test_sessions(task):
        pred = predict_frames(run.model, run.tokenizer, poses_of(s), batch_size=64)
        probs.append(pred.probabilities)
        truth.append(targets(s, task))
    return score(task, np.concatenate(truth), np.concatenate(probs))


def run_behavert(task: str, labelled: list[int], seed: int, arm: str) -> dict:
    from behavert.train import TrainConfig, finetune_frames, run_to_end

    extra = PRETRAINED_FINETUNE if arm in PRETRAINED_ARMS else {}
    settings = {**FINETUNE, **extra}
    if len(labelled) > 3:
        settings["max_steps"] = max(settings["max_steps"], MORE_STEPS)
    init, pretrain_s = (None, 0.0)
    if arm in PRETRAINED_ARMS:
        init, pretrain_s = pretrained(seed, transductive=arm == "transductive")
    start = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = run_to_end(
            finetune_frames(
                [poses_of(n) for n in labelled],
                [labels_of(n, task) for n in labelled],
                init=init,
                tokenizer=None if init is not None else tokenizer_for(labelled),
                config=model_config(),
                train_config=TrainConfig(seed=seed, **settings),
                background=background(task),
            )
        )
    res = score_test_sessions(task, run)
    res["seconds"] = time.time() - start
    res["pretrain_seconds"] = pretrain_s
    return res


def run_probe(task: str, labelled: list[int], seed: int, arm: str) -> dict:
    """Linear probe (frozen encoder, logistic regression per frame)."""
    import torch

    from behavert.model import BehavertForMaskedPoseModeling
    from behavert.train.probe import linear_probe

    run, _ = pretrained(seed)
    model = run.model
    if arm == "probe-random":  # same size and tokenizer, random weights
        torch.manual_seed(seed)
        model = BehavertForMaskedPoseModeling(run.model.config).eval()
    start = time.time()
    test = test_sessions(task)
    every = [*labelled, *test]
    metrics = linear_probe(
        model,
        run.tokenizer,
        [poses_of(n) for n in every],
        [labels_of(n, task) for n in every],
        test_fraction=(len(test) - 0.5) / len(every),  # exactly the test sessions
        background=background(task),
        seed=seed,
    )
    names = class_names(task)
    f1 = [metrics.get(f"f1/{c}", 0.0) for c in classes_of(task)]
    res = {"macro_f1": float(np.mean(f1)), "mean_ap": float("nan")}
    res.update({f"f1/{c}": v for c, v in zip(classes_of(task), f1)})
    res["seconds"] = time.time() - start
    res["n_classes"] = len(names)
    return res


def run_one(task: str, budget: str, seed: int, arm: str) -> dict:
    labelled = budget_sessions(task, seed, budget)
    if arm.startswith("probe"):
        res = run_probe(task, labelled, seed, arm)
    elif arm == "forest":
        res = run_forest(task, labelled, seed)
    else:
        res = run_behavert(task, labelled, seed, arm)
    return {
        "task": task,
        "budget": budget,
        "seed": seed,
        "arm": arm,
        "sessions": labelled,
        **res,
    }


def done_keys(path: Path) -> set:
    if not path.exists():
        return set()
    rows = [json.loads(line) for line in path.read_text().splitlines() if line]
    return {(r["task"], r["budget"], r["seed"], r["arm"]) for r in rows}


def load_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def _mean_sd(values) -> str:
    v = np.asarray(values, dtype=float)
    return f"{v.mean():.3f} ± {v.std(ddof=1):.3f}" if len(v) > 1 else f"{v.mean():.3f}"


def summary(rows: list[dict]) -> dict:
    """``{(task, budget, arm): rows}`` in table order."""
    out: dict = {}
    for r in rows:
        out.setdefault((r["task"], r["budget"], r["arm"]), []).append(r)
    return out


#: label budgets the linear probes run at (they embed every test frame twice)
PROBE_BUDGETS = ("3",)
#: differences reported per seed: (arm, minus arm)
GAINS = (
    ("pretrained", "scratch"),
    ("transductive", "scratch"),
    ("probe-pretrained", "probe-random"),
)


def _cell(rs: list[dict]) -> str:
    """``mean ± sd (AP, time, n)`` of one arm at one budget."""
    if not rs:
        return ""
    ap = np.mean([r["mean_ap"] for r in rs])
    return (
        f"{_mean_sd([r['macro_f1'] for r in rs])} ("
        + (f"AP {ap:.3f}, " if np.isfinite(ap) else "")
        + f"{np.mean([r['seconds'] for r in rs]):.0f} s, n={len(rs)})"
    )


def _gain(a: dict, b: dict) -> str:
    """Mean and per-seed differences of two arms' macro-F1."""
    seeds = sorted(set(a) & set(b))
    if not seeds:
        return ""
    d = [a[s] - b[s] for s in seeds]
    return f"{np.mean(d):+.3f} (per seed {', '.join(f'{x:+.3f}' for x in d)})"


def tables(rows: list[dict]) -> str:
    """Macro-F1 / mean AP / time per budget and arm, then per-class F1."""
    groups = summary(rows)
    arms = [a for a in ARMS if any(k[2] == a for k in groups)]
    lines = []
    for task in TASKS:
        budgets = [b for b in BUDGETS if any(k[:2] == (task, b) for k in groups)]
        if not budgets:
            continue
        lines += [
            f"**{task}** (macro-F1 over {', '.join(classes_of(task))}; "
            "mean ± sd over seeds; mean AP; wall time per run, fine-tuning or fitting "
            "plus prediction, pretraining apart):",
            "",
            "| labelled sessions | "
            + " | ".join(arms + [f"{a} - {b}" for a, b in GAINS])
            + " |",
            "|---|" + "---|" * (len(arms) + len(GAINS)),
        ]
        for b in budgets:
            cells, f1 = [], {}
            for a in arms:
                rs = groups.get((task, b, a), [])
                f1[a] = {r["seed"]: r["macro_f1"] for r in rs}
                cells.append(_cell(rs))
            cells += [_gain(f1.get(x, {}), f1.get(y, {})) for x, y in GAINS]
            lines.append(f"| {b} | " + " | ".join(cells) + " |")
        lines += ["", f"Per-class F1 on {task} (mean over seeds):", ""]
        classes = classes_of(task)
        lines += [
            "| labelled sessions | arm | " + " | ".join(classes) + " |",
            "|---|---|" + "---|" * len(classes),
        ]
        for b in budgets:
            for a in arms:
                rs = groups.get((task, b, a), [])
                if rs:
                    per = [np.mean([r[f"f1/{c}"] for r in rs]) for c in classes]
                    lines.append(
                        f"| {b} | {a} | " + " | ".join(f"{v:.3f}" for v in per) + " |"
                    )
        lines.append("")
    return "\n".join(lines)


def plot(rows: list[dict], path: Path) -> None:
    """Macro-F1 against the label budget, one panel per task."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = summary(rows)
    fig, axes = plt.subplots(1, len(TASKS), figsize=(10, 3.6), dpi=110)
    for ax, task in zip(np.atleast_1d(axes), TASKS):
        budgets = [b for b in BUDGETS if any(k[:2] == (task, b) for k in groups)]
        for arm in ARMS:
            ys = [
                [r["macro_f1"] for r in groups.get((task, b, arm), [])] for b in budgets
            ]
            if not any(ys):
                continue
            x = [i for i, y in enumerate(ys) if y]
            m = [np.mean(y) for y in ys if y]
            e = [np.std(y) for y in ys if y]
            ax.errorbar(x, m, yerr=e, marker="o", capsize=3, label=arm)
        ax.set_xticks(range(len(budgets)), budgets)
        ax.set_xlabel("labelled training sessions")
        ax.set_ylabel("test macro-F1")
        ax.set_title(f"rat {task}")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def machine_line() -> str:
    """Date, CPU and versions, for the report."""
    import datetime
    import platform

    import sklearn
    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _machine import cpu_model

    return (
        f"{datetime.date.today()}, {os.cpu_count()} CPUs {cpu_model()}, Python "
        f"{platform.python_version()}, torch {torch.__version__}, scikit-learn "
        f"{sklearn.__version__}"
    )


def _pretrain_seconds(rows: list[dict]) -> str:
    per_seed: dict = {}  # the longest per seed: a cached encoder records 0 s
    for r in rows:
        if r["arm"] == "pretrained":
            per_seed[r["seed"]] = max(
                per_seed.get(r["seed"], 0.0), r["pretrain_seconds"]
            )
    if not per_seed:
        return "no time (not run)"
    return f"{np.mean(list(per_seed.values())):.0f} s"


def write_report(results: Path, doc: Path) -> None:
    """The benchmark's section of ``doc`` and its plot next to it."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _doc import update_section

    rows = load_rows(results)
    image = doc.parent / "images" / "bench_rat.png"
    plot(rows, image)
    body = "\n".join(
        [
            "Made with `" + " ".join(["python", *sys.argv]) + "`; "
            f"{machine_line()}. Results (one JSON line per run, with its "
            f"sessions): `benchmarks/results/{results.name}`.",
            "",
            f"Test sessions: {', '.join(map(str, TEST))}. Training sessions "
            "(pretraining reads all of their poses, labels are drawn from them): "
            f"{', '.join(map(str, train_sessions()))}.",
            "",
            f"Model `{PRESET}`{f' {SIZE}' if SIZE else ''} (a 2-core CPU); "
            f"tokenizers bridge tracking gaps of up to {MAX_GAP} frames; pretraining: "
            f"`{ {**PRETRAIN, **PRETRAIN_MASK} }`; fine-tuning (both BehaVERT arms): "
            f"`{FINETUNE}` ({MORE_STEPS} steps beyond 3 sessions); forest: "
            f"`{FOREST}` (frames evenly subsampled to `max_frames`). Pretraining "
            f"took {_pretrain_seconds(rows)} per seed (not in the times below).",
            "",
            tables(rows),
            f"![macro-F1 against label budget](images/{image.name})",
        ]
    )
    update_section(
        doc, "bench_rat", "## Rat sessions: does pretraining pay? (issue 11)", body
    )


def main(argv=None) -> None:
    import torch

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--tasks", nargs="+", default=list(TASKS))
    p.add_argument("--budgets", nargs="+", default=list(BUDGETS))
    p.add_argument("--arms", nargs="+", default=list(DEFAULT_ARMS), choices=ARMS)
    p.add_argument("--results", type=Path, default=Path("bench_rat_results.jsonl"))
    p.add_argument("--write", type=Path, help="write the section of this file")
    p.add_argument(
        "--quick",
        action="store_true",
        help="S1, 1 and 3 sessions, seed 0, shorter training, a fresh results file "
        "(a few minutes; what run_all.py --quick runs)",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.seeds, args.tasks, args.budgets = [0], ["S1"], ["1", "3"]
        PRETRAIN["max_steps"], FINETUNE["max_steps"] = 1000, 300
        args.results = args.results.with_name(args.results.stem + "_quick.jsonl")
        args.results.unlink(missing_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    done = done_keys(args.results)
    for seed in args.seeds:
        for task in args.tasks:
            for budget in args.budgets:
                for arm in args.arms:
                    if arm.startswith("probe") and budget not in PROBE_BUDGETS:
                        continue
                    if (task, budget, seed, arm) in done:
                        continue
                    row = run_one(task, budget, seed, arm)
                    with open(args.results, "a", encoding="utf-8") as f:
                        f.write(json.dumps(row) + "\n")
                    print(
                        f"{task} budget {budget} seed {seed} {arm}: macro-F1 "
                        f"{row['macro_f1']:.3f} mAP {row['mean_ap']:.3f} "
                        f"({row['seconds']:.0f} s)",
                        flush=True,
                    )
    if args.write:
        write_report(args.results, args.write)


if __name__ == "__main__":
    main()
