"""Real-data evaluation: BehaVERT vs a random forest and LISBET over label budgets.

Data: ../shared/data/labelled/ethome_resident_intruder (2 mice x 7 keypoints,
5,700 frames at 30 fps, human BORIS labels of ``interact``, 10 bouts).

Split (the same for every method): the first ``--train-fraction`` of the
timeline trains, the rest tests. The split point never cuts a bout: if it falls
inside one it moves to the nearest frame outside it (the table note says so).
Every method predicts exactly the same test frames. ``--folds K`` (K > 1)
cuts the timeline into K contiguous blocks instead (borders moved out of
bouts the same way); each block is tested once by models trained on the
others, so every bout is scored, and the scores pool the K test blocks (the
single split tests 2 bouts, one of which is 13 frames long).

Label budget (share of TRAINING BOUTS kept, whole bouts): the training part is
cut into one block per bout, the borders half-way between consecutive bouts
(the first block starts at frame 0, the last ends at the split). A budget keeps
``ceil(budget x n_bouts)`` blocks, drawn at random per seed: their labelled
bout plus the non-bout frames around it. Frames of dropped blocks are not
used by any method (not even as unlabelled context for fine-tuning). All
methods see the same kept blocks, each block as its own short recording.

Methods: the random forest (``behavert.train.forest``: SimBA-style features,
balanced classes); BehaVERT from scratch; BehaVERT fine-tuned from a model
pretrained by masked pose modelling, without labels, on every real mouse
recording of ../shared/data (``--pretrain-data all-mice``, the default: open
field, bottom-up, DeepOF, reaching and CRIM13 recordings mapped onto the ethome
skeleton by ``benchmarks/real_corpus.py``, plus all frames of the ethome
recording itself, the test poses too, transductively, as LISBET's and other
pipelines' pretraining would; ``--pretrain-frames train`` restricts the ethome
part to the training frames, ``--pretrain-data ethome`` leaves the other
recordings out). BehaVERT rat-pretrained (issue 11 item 5): the encoder of
``bench_rat.py`` pretrained on the unlabelled poses of the 35 rat training
sessions (2 rats x 5 keypoints; one encoder, ``--rat-seed``, cached by
``benchmarks/rat_encoder.py``), transferred to the mouse skeleton
(``behavert.train.transfer``: rat head -> mouse neck, tail base -> tail, the
other mouse keypoints fresh; ``--realign`` steps of the new projection alone),
then fine-tuned like the other arms. BehaVERT rat+mouse-pretrained: that
transferred encoder pretrained further, all weights, on the mouse corpus of
"BehaVERT pretrained" (same steps and recipe), then fine-tuned. LISBET
(``--lisbet``): its released PyPI package in its own venv, driven by
``benchmarks/lisbet_runner.py``.
Every method's hard predictions are smoothed the same way (bouts >=
``--min-bout`` frames); average precision uses the raw probabilities.

Run: ``python benchmarks/bench_real.py [--quick] [--seeds 0 1 2] [--lisbet]
[--write docs/benchmarks.md] [--plot docs/images/f1_vs_label_budget.png]``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.bench_ethome import load, scores  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
START = "<!-- bench_real:start -->"
END = "<!-- bench_real:end -->"
LISBET_VENV = Path(os.environ.get("BEHAVERT_LISBET_VENV", "/tmp/lisbet-venv-cuda"))
METHODS = (
    "random forest",
    "BehaVERT from scratch",
    "BehaVERT pretrained",
    "BehaVERT rat-pretrained",
    "BehaVERT rat+mouse-pretrained",
    "LISBET",
)
#: methods that pretrain on the mouse corpus (ethome + mapped mouse recordings)
MOUSE_PRETRAINED = ("BehaVERT pretrained", "BehaVERT rat+mouse-pretrained")
#: methods that start from bench_rat's rat encoder
RAT_PRETRAINED = ("BehaVERT rat-pretrained", "BehaVERT rat+mouse-pretrained")
#: rat (bench_rat: ``top`` = head, ``body``, ``tail`` = tail base, ``tail-m``,
#: ``tail-e``) -> ethome mouse keypoints; the rest of the mouse is masked
RAT_TO_MOUSE = {
    "top": "neck",
    "body": None,
    "tail": "tail",
    "tail-m": None,
    "tail-e": None,
}


def split_point(truth: np.ndarray, fraction: float) -> tuple[int, str]:
    """The split frame nearest ``fraction`` of the timeline that cuts no bout."""
    from behavert.io.bouts import mask_runs

    cut = int(round(fraction * len(truth)))
    for a, b in mask_runs(np.asarray(truth, dtype=bool)):
        if a < cut < b:
            new = a if cut - a <= b - cut else b
            return new, f"split moved from frame {cut} to {new} (bout {a}-{b})"
    return cut, f"split at frame {cut} (between bouts, not moved)"


def bout_blocks(truth: np.ndarray) -> list[tuple[int, int]]:
    """One ``(start, stop)`` block per bout of ``truth``, covering it entirely."""
    from behavert.io.bouts import mask_runs

    runs = mask_runs(np.asarray(truth, dtype=bool))
    if not runs:
        raise ValueError("the training part holds no bout")
    borders = [0] + [(b0 + a1) // 2 for (_, b0), (a1, _) in zip(runs, runs[1:])]
    return list(zip(borders, borders[1:] + [len(truth)]))


def keep_blocks(n_blocks: int, budget: float, seed: int) -> list[int]:
    """Indices of the blocks a budget keeps (sorted; at least one)."""
    k = max(1, math.ceil(budget * n_blocks - 1e-9))
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(n_blocks, size=min(k, n_blocks), replace=False).tolist())


def smooth(prob: np.ndarray, min_bout: int) -> np.ndarray:
    from behavert.train.metrics import smooth_bouts

    return smooth_bouts((prob > 0.5).astype(np.int64), min_bout) > 0


def run_forest(train, labels, test, *, seed, trees, min_bout) -> tuple:
    from behavert.train.forest import fit_forest

    model = fit_forest(train, labels, n_estimators=trees, seed=seed, n_jobs=2)
    prob = model.predict_proba(test)[:, list(model.classes).index(1)]
    return prob, smooth(prob, min_bout)


def pretrain_config(seed: int, steps: int, extra: dict | None = None):
    """Pretraining settings: the recipe of ``behavert pretrain`` (PRETRAIN_RECIPE,
    docs/benchmarks.md, issue 11) with ``extra`` over it."""
    from behavert.train import TrainConfig
    from behavert.train.config import PRETRAIN_RECIPE

    settings = {**PRETRAIN_RECIPE, **(extra or {})}
    return TrainConfig(lr=1e-3, batch_size=16, max_steps=steps, seed=seed, **settings)


def pretrain_model(poses_list, *, seed, steps, preset, window=64, extra=None):
    from behavert.train import pretrain
    from behavert.train.loop import run_to_end

    tc = pretrain_config(seed, steps, extra)
    return run_to_end(
        pretrain(list(poses_list), config=preset, train_config=tc, window=window)
    )


def rat_then_mouse(rat_run, poses_list, *, seed, args):
    """The rat encoder moved to the mouse skeleton, then pretrained further on the
    mouse corpus (the same poses and recipe as "BehaVERT pretrained"): transfer
    without labels, i.e. realignment of the projection, then masked pose modelling
    of all weights on the mice."""
    from behavert.train.loop import run_to_end
    from behavert.train.transfer import transfer

    tc = pretrain_config(seed, args.pretrain_steps, args.pretrain_recipe)
    return run_to_end(
        transfer(
            rat_run,
            target_poses_list=list(poses_list),
            mapping=args.rat_mapping or RAT_TO_MOUSE,
            labels_list=None,
            realign_steps=args.realign,
            train_config=tc,
            window=args.window,
        )
    )


def finetune_config(seed: int, steps: int):
    """``behavert train``'s recipe (FINETUNE_RECIPE: nothing added)."""
    from behavert.train import TrainConfig
    from behavert.train.config import FINETUNE_RECIPE

    return TrainConfig(
        lr=1e-3,
        batch_size=16,
        max_steps=steps,
        seed=seed,
        class_weights="balanced",
        dropout=0.2,
        weight_decay=0.05,
        **FINETUNE_RECIPE,
    )


def run_rat_transfer(
    train, labels, test, rat_run, *, seed, steps, realign, min_bout, mapping=None,
    window=64,
):  # fmt: skip
    """Transfer the rat encoder to the mouse skeleton, then fine-tune."""
    from behavert.inference import predict_frames
    from behavert.train.loop import run_to_end
    from behavert.train.transfer import transfer

    result = run_to_end(
        transfer(
            rat_run,
            target_poses_list=train,
            mapping=mapping or RAT_TO_MOUSE,
            labels_list=[np.asarray(y, dtype=np.int64) for y in labels],
            realign_steps=realign,
            train_config=finetune_config(seed, steps),
            class_names=["other", "interact"],
            window=window,
        )
    )
    prob = predict_frames(result.model, result.tokenizer, test).probabilities[:, 1]
    return prob, smooth(prob, min_bout)


def run_behavert(
    train, labels, test, init, *, seed, steps, preset, min_bout, window=64,
    extra=None,
):  # fmt: skip
    from behavert.inference import predict_frames
    from behavert.train import finetune_frames
    from behavert.train.loop import run_to_end

    tc = finetune_config(seed, steps)
    if init is not None and extra:
        tc = tc.replace(**extra)
    result = run_to_end(
        finetune_frames(
            train,
            [np.asarray(y, dtype=np.int64) for y in labels],
            init,
            config=preset,
            train_config=tc,
            class_names=["other", "interact"],
            window=window,
        )
    )
    prob = predict_frames(result.model, result.tokenizer, test).probabilities[:, 1]
    return prob, smooth(prob, min_bout)


def ensure_lisbet(venv: Path = LISBET_VENV) -> str | None:
    """Create LISBET's venv if needed; None when ready, else what failed."""
    py = venv / "bin" / "python"
    if py.exists() and _ok([str(py), "-c", "import lisbet"]) is None:
        return None

    # A CPU torch first does not work: the only torchvision wheels reachable
    # (0.28.0 for torch 2.13) are CUDA builds whose _C.so needs libc10_cuda.so,
    # so ``import lisbet`` fails with "operator torchvision::nms does not exist".
    # Plain ``pip install lisbet`` pulls CUDA torch 2.14.1 (6.8 GB venv); it runs
    # on the CPU.
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(py), "-m", "pip", "install", "lisbet"],
    ]
    for cmd in steps:
        err = _ok(cmd)
        if err:
            return err
    return _ok([str(py), "-c", "import lisbet"])


def _ok(cmd: list[str]) -> str | None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode == 0:
        return None
    tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
    return f"`{' '.join(cmd)}` exited {done.returncode}: " + " / ".join(tail)


def lisbet_scale(poses_list) -> tuple[np.ndarray, np.ndarray]:
    """Per-axis (x, y) minimum and maximum over every finite coordinate."""
    xy = np.concatenate([p.position[..., :2].reshape(-1, 2) for p in poses_list])
    lo, hi = np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)
    return lo, np.where(hi > lo, hi, lo + 1.0)


def run_lisbet(train, labels, test, *, seed, epochs, min_bout, venv=LISBET_VENV):
    """LISBET in its own venv; data exchanged as .npy files (no pickles)."""
    # One coordinate frame for every block and the test part: LISBET's default
    # (auto) scaling min-max normalises each record on its own, which would put
    # the training blocks and the test part in different frames. Here x and y
    # are min-max normalised over all frames handed to LISBET (no labels used)
    # and LISBET is told they are already in [0, 1] (``--data_scale 1x1``).
    lo, hi = lisbet_scale([*train, test])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for i, (p, y) in enumerate(zip(train, labels)):
            np.save(tmp / f"train_{i}_pos.npy", (p.position[..., :2] - lo) / (hi - lo))
            np.save(tmp / f"train_{i}_y.npy", np.asarray(y, dtype=np.int64))
        np.save(tmp / "test_pos.npy", (test.position[..., :2] - lo) / (hi - lo))
        meta = {
            "keypoints": list(test.keypoints),
            "individuals": list(test.individuals),
            "n_train": len(train),
            "seed": seed,
            "epochs": epochs,
        }
        (tmp / "meta.json").write_text(json.dumps(meta))
        cmd = [
            str(venv / "bin" / "python"),
            str(REPO / "benchmarks" / "lisbet_runner.py"),
            str(tmp),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-4:]
            raise RuntimeError(
                f"lisbet_runner.py exited {done.returncode}: " + " / ".join(tail)
            )
        prob = np.load(tmp / "test_prob.npy")
    return prob, smooth(prob, min_bout)


def time_folds(truth: np.ndarray, folds: int, train_fraction: float):
    """``([(training ranges, test range)], note)``: one fold trains on the first
    ``train_fraction`` and tests on the rest; ``folds`` > 1 cuts the timeline
    into that many contiguous test blocks (borders moved out of bouts), each
    tested once while the rest trains."""
    n = len(truth)
    if folds == 1:
        cut, moved = split_point(truth, train_fraction)
        return [([(0, cut)], (cut, n))], moved
    cuts = [split_point(truth, i / folds) for i in range(1, folds)]
    edges = [0, *(c for c, _ in cuts), n]
    out = []
    for i in range(folds):
        train = [r for r in ((0, edges[i]), (edges[i + 1], n)) if r[1] > r[0]]
        out.append((train, (edges[i], edges[i + 1])))
    note = f"{folds} contiguous test folds, borders at frames {edges[1:-1]}"
    moved = [m for _, m in cuts if "moved from" in m]
    return out, note + (f" ({'; '.join(moved)})" if moved else " (between bouts)")


def fold_blocks(truth: np.ndarray, ranges) -> list[tuple[int, int]]:
    """`bout_blocks` of every training range that holds a bout, in frames of
    the whole recording."""
    out = []
    for a, b in ranges:
        if truth[a:b].any():
            out += [(a + x, a + y) for x, y in bout_blocks(truth[a:b])]
    return out


def evaluate(args) -> tuple[dict, dict]:
    """``{(method, budget): [scores per seed]}`` and facts for the note."""
    poses, truth = load(args.data) if args.data else load()
    if args.frames:
        poses, truth = poses.select_frames(slice(0, args.frames)), truth[: args.frames]
    if args.folds > 1 and args.pretrain_frames == "train":
        raise SystemExit("--pretrain-frames train needs --folds 1")
    folds, moved = time_folds(truth, args.folds, args.train_fraction)
    cut = folds[0][1][0]
    train_all = poses.select_frames(slice(0, cut))
    blocks = [fold_blocks(truth, train) for train, _ in folds]
    others, corpus_lines = [], []
    if args.pretrain_data == "all-mice" and set(MOUSE_PRETRAINED) & set(args.methods):
        from benchmarks.real_corpus import corpus

        others, corpus_lines = corpus(poses)
    args.rat_run, facts_rat = None, None
    if set(RAT_PRETRAINED) & set(args.methods):
        from benchmarks.rat_encoder import rat_encoder

        args.rat_run, rat_s = rat_encoder(args.rat_seed)
        facts_rat = f"rat encoder (seed {args.rat_seed}): {rat_s:.0f} s of pretraining"
    lisbet_skip = None
    if args.lisbet:
        lisbet_skip = ensure_lisbet(args.lisbet_venv)
    else:
        lisbet_skip = "not run (pass --lisbet)"
    rows: dict = {}
    for seed in args.seeds:
        init = None
        source = poses if args.pretrain_frames == "all" else train_all
        args.rat_mouse_run = None
        if args.pretrain_steps and "BehaVERT rat+mouse-pretrained" in args.methods:
            args.rat_mouse_run = rat_then_mouse(
                args.rat_run, [source, *others], seed=seed, args=args
            )
        if args.pretrain_steps and "BehaVERT pretrained" in args.methods:
            init = pretrain_model(
                [source, *others],
                seed=seed,
                steps=args.pretrain_steps,
                preset=args.preset,
                window=args.window,
                extra=args.pretrain_recipe,
            )
        for budget in args.budgets:
            names = ["random forest", "BehaVERT from scratch"]
            names += ["BehaVERT pretrained"] if init is not None else []
            names += ["BehaVERT rat-pretrained"] if args.rat_run is not None else []
            if args.rat_mouse_run is not None:
                names += ["BehaVERT rat+mouse-pretrained"]
            names += ["LISBET"] if lisbet_skip is None else []
            names = [n for n in names if n in args.methods]
            for name in names:
                t0 = time.perf_counter()
                probs, hards, truths, n_kept = [], [], [], []
                try:
                    for f, ((_, (a, b)), fb) in enumerate(zip(folds, blocks)):
                        # one fold: the seed alone (the single-split draws)
                        kept = keep_blocks(len(fb), budget, seed + 1000 * f)
                        train = [poses.select_frames(slice(*fb[k])) for k in kept]
                        labels = [truth[slice(*fb[k])].astype(np.int64) for k in kept]
                        test = poses.select_frames(slice(a, b))
                        prob, hard = run_method(
                            name, train, labels, test, init, seed, args
                        )
                        probs.append(prob)
                        hards.append(hard)
                        truths.append(truth[a:b])
                        n_kept.append(len(kept))
                except RuntimeError as exc:
                    if name != "LISBET":
                        raise
                    lisbet_skip = f"failed: {exc}"
                    continue
                res = scores(
                    np.concatenate(truths), np.concatenate(hards), np.concatenate(probs)
                )
                res["seconds"] = time.perf_counter() - t0
                res["n_bouts"] = float(np.mean(n_kept))
                rows.setdefault((name, budget), []).append(res)
                print(
                    name,
                    budget,
                    seed,
                    {k: round(v, 3) for k, v in res.items()},
                    flush=True,
                )
    tested = np.concatenate([truth[a:b] for _, (a, b) in folds])
    facts = {
        "moved": moved,
        "folds": args.folds,
        "n_frames": poses.n_frames,
        "n_train_bouts": "/".join(str(len(fb)) for fb in blocks),
        "test_frames": int(len(tested)),
        "test_pos": int(tested.sum()),
        "test_bouts": sum(len(bouts_of(truth[a:b])) for _, (a, b) in folds),
        "lisbet": lisbet_skip,
        "rat": facts_rat,
        "corpus": corpus_lines,
        "corpus_frames": sum(p.n_frames for p in others),
    }
    return rows, facts


def run_method(name, train, labels, test, init, seed, args) -> tuple:
    """``(probabilities (time,), smoothed hard predictions (time,))`` of a method."""
    common = {"seed": seed, "min_bout": args.min_bout}
    if name == "random forest":
        return run_forest(train, labels, test, trees=args.trees, **common)
    if name == "LISBET":
        return run_lisbet(
            train,
            labels,
            test,
            epochs=args.lisbet_epochs,
            venv=args.lisbet_venv,
            **common,
        )
    if name == "BehaVERT rat-pretrained":
        return run_rat_transfer(
            train, labels, test, args.rat_run, steps=args.steps, realign=args.realign,
            mapping=args.rat_mapping, window=args.window,
            **common,
        )  # fmt: skip
    if name == "BehaVERT rat+mouse-pretrained":
        init = args.rat_mouse_run
    elif name != "BehaVERT pretrained":
        init = None
    return run_behavert(
        train, labels, test, init, steps=args.steps, preset=args.preset,
        window=args.window, extra=args.pretrained_finetune, **common,
    )  # fmt: skip


def bouts_of(mask):
    from behavert.io.bouts import mask_runs

    return mask_runs(np.asarray(mask, dtype=bool))


def _cell(runs, key) -> str:
    v = np.array([r[key] for r in runs], dtype=float)
    if len(v) == 1:
        return f"{v[0]:.3f}"
    return f"{np.nanmean(v):.3f} ± {np.nanstd(v):.3f}"


def table(rows: dict, facts: dict, args, seconds: float, argv) -> str:
    import torch

    cmd = "python benchmarks/bench_real.py " + " ".join(argv)
    lines = [
        START,
        f"Command: `{cmd.strip()}` — {datetime.date.today()}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, torch {torch.__version__}, "
        f"{seconds:.0f} s. {test_note(facts)}, the "
        f"same frames for every method; {facts['moved']}; "
        f"{facts['n_train_bouts']} training bouts. Seeds {args.seeds} "
        f"(mean ± sd; the seed also draws the kept bouts). BehaVERT preset "
        f"`{args.preset}`, {args.window}-frame windows, {args.steps} fine-tuning "
        f"steps, "
        f"{args.pretrain_steps} pretraining steps (no labels) on "
        f"{'all' if args.pretrain_frames == 'all' else 'the training'} frames of "
        f"the recording{corpus_note(facts)}; forest {args.trees} trees; hard "
        f"predictions of every method smoothed to bouts >= {args.min_bout} frames.",
        "",
        "| method | label budget (bouts kept) | F1 | average precision "
        "| bout recall | s per run |",
        "|---|---|---|---|---|---|",
    ]
    for budget in args.budgets:
        best = max(
            (np.mean([r["f1"] for r in runs]), name)
            for (name, b), runs in rows.items()
            if b == budget
        )[1]
        for name in METHODS:
            runs = rows.get((name, budget))
            if not runs:
                continue
            k = f"{runs[0]['n_bouts']:.3g}"
            mark = " (best F1)" if name == best else ""
            if name.startswith("BehaVERT") and name != best:
                mark = f" (loses to {best})"
            lines.append(
                f"| {name}{mark} | {budget:.0%} ({k}) | {_cell(runs, 'f1')} | "
                f"{_cell(runs, 'ap')} | {_cell(runs, 'bout_recall')} | "
                f"{np.mean([r['seconds'] for r in runs]):.0f} |"
            )
    lines += ["", f"LISBET: {facts['lisbet'] or 'ran (rows above)'}."]
    if facts.get("rat"):
        from benchmarks import bench_rat

        lines += [
            "",
            f"BehaVERT rat-pretrained: the {facts['rat']} on the unlabelled poses "
            f"of the {len(bench_rat.train_sessions())} rat training sessions of "
            f"bench_rat (`{bench_rat.PRESET}`, {bench_rat.PRETRAIN}, "
            f"{bench_rat.PRETRAIN_MASK}), transferred with the mapping "
            f"{args.rat_mapping or RAT_TO_MOUSE} ({args.realign} realignment steps), "
            "then the same fine-tuning; one encoder for every seed.",
        ]
    if facts["corpus"]:
        lines += [
            "",
            "Pretraining corpus besides the resident-intruder recording "
            "(mapped onto its 2 mice x 7 keypoints; missing keypoints and "
            "animals masked):",
            "",
        ]
        lines += [f"- {line}" for line in facts["corpus"]]
    lines.append(END)
    return "\n".join(lines)


def test_note(facts: dict) -> str:
    what = f"{facts['test_pos']} `interact` frames, {facts['test_bouts']} bouts"
    if facts["folds"] == 1:
        return f"Test = last {facts['test_frames']} frames ({what})"
    return (
        f"Test = each of {facts['folds']} contiguous folds in turn, the others "
        f"training (all {facts['test_frames']} frames scored once, {what}; scores "
        "pooled over the folds)"
    )


def corpus_note(facts: dict) -> str:
    if not facts["corpus"]:
        return ""
    n = sum(1 for line in facts["corpus"] if " frames, " in line)
    return (
        f" plus {facts['corpus_frames']} frames of {n} other real mouse recordings "
        "(list below)"
    )


def plot(rows: dict, args, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    for name in METHODS:
        pts = [(b, rows[(name, b)]) for b in args.budgets if (name, b) in rows]
        if not pts:
            continue
        x = [100 * b for b, _ in pts]
        m = [np.mean([r["f1"] for r in runs]) for _, runs in pts]
        s = [np.std([r["f1"] for r in runs]) for _, runs in pts]
        ax.errorbar(x, m, yerr=s, marker="o", capsize=3, label=name)
    ax.set_xscale("log")
    ax.set_xticks([100 * b for b in args.budgets])
    ax.set_xticklabels([f"{b:.0%}" for b in args.budgets])
    ax.set_xlabel("label budget (share of training bouts)")
    ax.set_ylabel("test F1 (interact)")
    ax.set_ylim(0, 1)
    ax.set_title("ethome resident-intruder, time-blocked split")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_section(path: Path, report: str) -> None:
    text = path.read_text()
    if START in text:
        head, rest = text.split(START, 1)
        text = head + report + rest.split(END, 1)[1]
    else:
        text += "\n## Real-data evaluation\n\n" + report + "\n"
    path.write_text(text)


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, fewer steps")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--budgets", type=float, nargs="+", default=[0.1, 0.3, 1.0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--pretrain-steps", type=int, default=300)
    parser.add_argument("--pretrain-frames", choices=("all", "train"), default="all")
    parser.add_argument(
        "--pretrain-data",
        choices=("all-mice", "ethome"),
        default="all-mice",
        help="pretrain on every real mouse recording (mapped) or on ethome alone",
    )
    parser.add_argument(
        "--pretrain-recipe",
        type=json.loads,
        help="TrainConfig settings over PRETRAIN_RECIPE, as JSON",
    )
    parser.add_argument(
        "--pretrained-finetune",
        type=json.loads,
        help="TrainConfig settings of the arms fine-tuned from a pretrained "
        "encoder (over the shared fine-tuning settings), as JSON",
    )
    parser.add_argument("--preset", default="tiny")
    parser.add_argument(
        "--window", type=int, default=64, help="frames per window (every BehaVERT arm)"
    )
    parser.add_argument("--trees", type=int, default=200)
    parser.add_argument("--min-bout", type=int, default=15)
    parser.add_argument("--train-fraction", type=float, default=0.7)
    parser.add_argument(
        "--folds",
        type=int,
        default=1,
        help="1: train on the first --train-fraction, test on the rest; K > 1: "
        "K contiguous test folds, each tested once (every bout scored)",
    )
    parser.add_argument("--frames", type=int, help="use only the first N frames")
    parser.add_argument("--data", type=Path, help="the ethome folder")
    parser.add_argument("--rat-seed", type=int, default=0, help="the rat encoder's")
    parser.add_argument("--realign", type=int, default=100)
    parser.add_argument(
        "--rat-mapping",
        type=json.loads,
        help="rat -> mouse keypoints as JSON (default RAT_TO_MOUSE)",
    )
    parser.add_argument("--lisbet", action="store_true", help="create and run LISBET")
    parser.add_argument("--lisbet-venv", type=Path, default=LISBET_VENV)
    parser.add_argument("--lisbet-epochs", type=int, default=10)
    parser.add_argument(
        "--methods",
        nargs="+",
        default=[m for m in METHODS if m not in RAT_PRETRAINED],
        choices=METHODS,
        help="default: all but the rat-pretrained ones (minutes of rat pretraining)",
    )
    parser.add_argument("--json", type=Path, help="save the per-run scores here")
    parser.add_argument("--write", type=Path, help="update this markdown file")
    parser.add_argument("--plot", type=Path, help="write the F1 vs budget plot here")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds = args.seeds[:1]
        args.steps = min(args.steps, 150)
        args.pretrain_steps = min(args.pretrain_steps, 150)
        args.trees = min(args.trees, 100)
        args.lisbet_epochs = min(args.lisbet_epochs, 3)
    t0 = time.perf_counter()
    rows, facts = evaluate(args)
    if args.json:
        args.json.write_text(
            json.dumps({f"{m}|{b}": r for (m, b), r in rows.items()}, indent=1)
        )
    report = table(rows, facts, args, time.perf_counter() - t0, argv)
    print(report)
    if args.write:
        write_section(args.write, report)
    if args.plot:
        plot(rows, args, args.plot)
    return report


if __name__ == "__main__":
    main()
