"""Exploration (issue 11, session 10): self-training on the unlabelled
training sessions.

Round 1 is bench_rat's fine-tuning of an arm on the labelled sessions. Its
model then labels every other training session (the poses pretraining reads;
test sessions are never seen); frames whose top class probability is at
least THRESHOLD become pseudo-labels. Round 2 fine-tunes the arm's starting
point again (the pretrained encoder, or a fresh one for scratch) on the
labelled sessions plus the pseudo-labelled ones, ``MORE_STEPS`` steps.

    python benchmarks/explore_rat_selftrain.py SEED BUDGETS ARMS THRESHOLD [TASK]
    python benchmarks/explore_rat_selftrain.py 0 1,3 pretrained,scratch 0.9 S1

A one-seed search tool (docs/benchmarks.md), not a product feature. Prints
one JSON line per run (round 1 and round 2 scores).
"""

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_rat as B  # noqa: E402
from rat_encoder import rat_encoder  # noqa: E402

from behavert.inference import predict_frames  # noqa: E402
from behavert.io.labels import FrameLabels  # noqa: E402
from behavert.train import TrainConfig, finetune_frames, run_to_end  # noqa: E402


def fit(task, poses, labels, seed, init, steps, sessions):
    settings = {**B.FINETUNE, "max_steps": steps}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_to_end(
            finetune_frames(
                poses,
                labels,
                init=init,
                tokenizer=None if init is not None else B.tokenizer_for(sessions),
                config=B.model_config(),
                train_config=TrainConfig(seed=seed, **settings),
                background=B.background(task),
            )
        )


def pseudo_labels(task, run, sessions, threshold, like: FrameLabels):
    """FrameLabels of ``sessions`` from ``run``'s predictions."""
    names = B.class_names(task)  # with the background class
    out, kept = [], 0
    for n in sessions:
        probs = predict_frames(
            run.model, run.tokenizer, B.poses_of(n), batch_size=64
        ).probabilities
        top = probs.argmax(1)
        values = np.zeros((len(probs), len(like.names)), dtype=bool)
        for j, name in enumerate(like.names):
            values[:, j] = top == names.index(name)
        scored = probs.max(1) >= threshold
        kept += int(scored.sum())
        out.append(FrameLabels(names=like.names, values=values, scored=scored))
    return out, kept


def main():
    torch.set_num_threads(2)
    seed = int(sys.argv[1])
    budgets = sys.argv[2].split(",")
    arms = sys.argv[3].split(",")
    threshold = float(sys.argv[4])
    task = sys.argv[5] if len(sys.argv) > 5 else "S1"
    init_pre, _ = rat_encoder(seed, build=B.pretrained.__wrapped__)
    for budget in budgets:
        labelled = B.budget_sessions(task, seed, budget)
        rest = [n for n in B.train_sessions() if n not in labelled]
        for arm in arms:
            init = init_pre if arm == "pretrained" else None
            start = time.time()
            poses = [B.poses_of(n) for n in labelled]
            labels = [B.labels_of(n, task) for n in labelled]
            run1 = fit(
                task, poses, labels, seed, init, B.FINETUNE["max_steps"], labelled
            )
            r1 = B.score_test_sessions(task, run1)
            pseudo, kept = pseudo_labels(task, run1, rest, threshold, labels[0])
            run2 = fit(
                task,
                poses + [B.poses_of(n) for n in rest],
                labels + pseudo,
                seed,
                init,
                B.MORE_STEPS,
                labelled + rest,
            )
            r2 = B.score_test_sessions(task, run2)
            print(
                json.dumps(
                    {
                        "task": task,
                        "seed": seed,
                        "budget": budget,
                        "arm": arm,
                        "threshold": threshold,
                        "pseudo_frames": kept,
                        "round1": round(r1["macro_f1"], 4),
                        "round2": round(r2["macro_f1"], 4),
                        "round1_ap": round(r1["mean_ap"], 4),
                        "round2_ap": round(r2["mean_ap"], 4),
                        "seconds": round(time.time() - start, 1),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
