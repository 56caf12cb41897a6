"""Search script: pretraining and fine-tuning recipes on the synthetic transfer task.

Part (a) of ``bench_transfer.py`` (synthetic rat-like skeleton -> synthetic mouse
skeleton, per-frame macro-F1 over 7 behaviours on 3 held-out recordings) with the
settings of pretraining and fine-tuning open, to see whether what worked on the
real rat sessions (longer fine-tuning without early stopping, bigger pretraining
batches, augmented fine-tuning windows, longer windows) also lifts the synthetic
5 % budget. Arms: scratch, same-skeleton pretrained, transferred. Each variant is
a JSON object::

    {"PRETRAIN": {...TrainConfig...}, "FINETUNE": {...TrainConfig...},
     "PRETRAINED_FINETUNE": {...over FINETUNE, both pretrained arms...},
     "WINDOW": 64, "UNLABELLED": 40, "REALIGN": 50}

Usage::

    python benchmarks/explore_synthetic_recipe.py '{}' \
        '{"FINETUNE": {"max_steps": 800}}' --seeds 0 1 2 --budgets 0.05
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from bench_transfer import FULL, _f1, keep_bouts

BASE_PRETRAIN = {"max_steps": 600, "batch_size": 8, "lr": 1e-3}
BASE_FINETUNE = {"max_steps": 200, "batch_size": 8, "lr": 1e-3}


def _tc(seed: int, settings: dict, **extra):
    from behavert.train import TrainConfig

    s = {**settings, **extra}
    s.setdefault("warmup_steps", max(1, s["max_steps"] // 10))
    return TrainConfig(seed=seed, device="cpu", log_every=s["max_steps"], **s)


_ENCODERS: dict = {}


def encoders(variant: dict, data: dict):
    """(rat run, mouse run) pretrained with the variant's settings (cached)."""
    from behavert.train import pretrain, run_to_end
    from behavert.train.config import PRETRAIN_RECIPE

    key = json.dumps([variant.get("PRETRAIN", {}), variant.get("WINDOW", 64)])
    if key not in _ENCODERS:
        settings = {**BASE_PRETRAIN, **PRETRAIN_RECIPE, **variant.get("PRETRAIN", {})}
        window = variant.get("WINDOW", 64)
        t0 = time.perf_counter()
        rat = run_to_end(
            pretrain(data["rats"], train_config=_tc(0, settings), window=window)
        )
        same = run_to_end(
            pretrain(data["unlabelled"], train_config=_tc(0, settings), window=window)
        )
        print(f"  pretraining: {time.perf_counter() - t0:.0f} s", flush=True)
        _ENCODERS[key] = (rat, same)
    return _ENCODERS[key]


def load(n_unlabelled: int) -> dict:
    from behavert.datasets.synthetic import make_synthetic_dataset
    from behavert.datasets.synthetic_species import rat_dataset

    sizes = FULL
    rats = [r.poses for r in rat_dataset(n_unlabelled, sizes.frames, seed=11)]
    n_lab = sizes.mouse_train + sizes.mouse_test
    mice = make_synthetic_dataset(n_lab + n_unlabelled, sizes.frames, seed=21)
    return {
        "rats": rats,
        "train": mice[: sizes.mouse_train],
        "test": mice[sizes.mouse_train : n_lab],
        "unlabelled": [m.poses for m in mice[n_lab:]],
        "names": list(mice[0].behaviours),
    }


def run(variant: dict, seeds, budgets, data: dict) -> dict:
    from behavert.train import finetune_frames, run_to_end
    from behavert.train.transfer import transfer

    rat, same = encoders(variant, data)
    window = variant.get("WINDOW", 64)
    ft = {**BASE_FINETUNE, "class_weights": "balanced", **variant.get("FINETUNE", {})}
    train_poses = [m.poses for m in data["train"]]
    test_poses = [m.poses for m in data["test"]]
    test_labels = [m.labels for m in data["test"]]
    out: dict = {}
    for fraction in budgets:
        for seed in seeds:
            rng = np.random.default_rng([seed, int(fraction * 1000)])
            labels = keep_bouts([m.labels for m in data["train"]], fraction, rng)
            tc = _tc(seed, ft)
            tc_pre = _tc(seed, {**ft, **variant.get("PRETRAINED_FINETUNE", {})})
            kw = {"class_names": data["names"], "window": window}
            arms = {
                "scratch": finetune_frames(train_poses, labels, train_config=tc, **kw),
                "same": finetune_frames(
                    train_poses, labels, init=same, train_config=tc_pre, **kw
                ),
                "transfer": transfer(
                    rat,
                    None,
                    train_poses,
                    labels_list=labels,
                    realign_steps=variant.get("REALIGN", FULL.realign_steps),
                    train_config=tc_pre,
                    **kw,
                ),
            }
            for arm, gen in arms.items():
                r = run_to_end(gen)
                f1 = _f1(r.model, r.tokenizer, test_poses, test_labels, data["names"])
                out.setdefault((fraction, arm), []).append(f1["macro_f1"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variants", nargs="+", type=json.loads)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--budgets", type=float, nargs="+", default=[0.05])
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    cache: dict = {}
    for variant in args.variants:
        n = variant.get("UNLABELLED", 40)
        if n not in cache:
            cache[n] = load(n)
        t0 = time.perf_counter()
        res = run(variant, args.seeds, args.budgets, cache[n])
        print(f"variant {json.dumps(variant)} ({time.perf_counter() - t0:.0f} s)")
        for (fraction, arm), v in sorted(res.items()):
            gain = np.mean(v) - np.mean(res[(fraction, "scratch")])
            print(
                f"  {fraction:.0%} {arm:9s} {np.mean(v):.3f} ± {np.std(v):.3f} "
                f"({' '.join(f'{x:.3f}' for x in v)}) vs scratch {gain:+.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
