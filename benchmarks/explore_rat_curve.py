"""Diagnostic (issue 11, session 7): test macro-F1 along fine-tuning, scratch
against pretrained, without early stopping (validation and test scored every
``eval_every`` steps); bench_rat's FINETUNE otherwise.

    python benchmarks/explore_rat_curve.py SEED BUDGETS STEPS ['{"lr": 3e-4}']
    python benchmarks/explore_rat_curve.py 0 1,3 1600
"""

import sys

import numpy as np
import torch

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
import bench_rat as B

from behavert.inference import predict_frames
from behavert.train import finetuning as FT

torch.set_num_threads(2)
seed = int(sys.argv[1])
budgets = sys.argv[2].split(",")
steps = int(sys.argv[3])
extra = eval(sys.argv[4]) if len(sys.argv) > 4 else {}
B.FINETUNE = {
    **B.FINETUNE,
    "max_steps": steps,
    "early_stopping_patience": 10**6,
    **extra,
}
orig = FT.frame_task
test = B.test_sessions("S1")
truth = np.concatenate([B.targets(s, "S1") for s in test])
tposes = [B.poses_of(s) for s in test]
log = []


def patched(model, tokenizer, *a, **k):
    task = orig(model, tokenizer, *a, **k)
    inner = task.evaluate

    def evaluate(m):
        r = inner(m)
        was = m.training
        m.eval()
        probs = np.concatenate(
            [
                predict_frames(m, tokenizer, p, batch_size=64).probabilities
                for p in tposes
            ]
        )
        m.train(was)
        t = B.score("S1", truth, probs)["macro_f1"]
        log.append((round(r["score"], 3), round(t, 3)))
        return r

    task.evaluate = evaluate
    return task


FT.frame_task = patched
for budget in budgets:
    for arm in ("scratch", "pretrained"):
        log.clear()
        r = B.run_one("S1", budget, seed, arm)
        print(
            f"CURVE seed {seed} budget {budget} {arm} final (last step) "
            f"{r['macro_f1']:.3f}; (val, test) every "
            f"{B.FINETUNE['eval_every']}: {log}",
            flush=True,
        )
