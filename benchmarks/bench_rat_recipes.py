"""Try pretraining / fine-tuning recipes on the rat sessions (issue 11's search).

Runs ``bench_rat.run_one`` (same split, sessions and scoring) with some of its
settings replaced, one JSON object per variant, and prints one line per run.
Single seed, quick: a search tool, not the benchmark (``bench_rat.py`` is).
Pretrained encoders are cached in ``--cache`` by their settings, so variants
that change only fine-tuning reuse them.

    python benchmarks/bench_rat_recipes.py \\
        '{"PRETRAIN_MASK": {"hide_animal": 0.9}}' '{"FINETUNE": {"dropout": 0.3}}' \\
        --budgets 1 3 --arms scratch pretrained

The variants come first: ``--arms`` and ``--budgets`` take every word after them.

Keys: ``FINETUNE``, ``PRETRAIN``, ``PRETRAIN_MASK``, ``PRETRAINED_FINETUNE``,
``SIZE`` (dicts merged over bench_rat's) and ``PRESET``.
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_rat as B  # noqa: E402

KEYS = ("FINETUNE", "PRETRAIN", "SIZE", "PRETRAINED_FINETUNE", "PRETRAIN_MASK")


def main(argv=None) -> None:
    import torch

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("variants", nargs="+", help="JSON objects of settings")
    p.add_argument("--task", default="S1")
    p.add_argument("--budgets", nargs="+", default=["3"])
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--arms", nargs="+", default=["scratch", "pretrained"])
    p.add_argument("--cache", type=Path, default=Path("/tmp/behavert-rat-pretrained"))
    args = p.parse_args(argv)
    torch.set_num_threads(2)
    base = {k: copy.deepcopy(getattr(B, k)) for k in KEYS}
    preset = B.PRESET
    build = B.pretrained.__wrapped__

    @functools.cache
    def cached(seed: int, mask_key: str = "", transductive: bool = False):
        from rat_encoder import rat_encoder

        if transductive:  # not on disk: rat_encoder's key is the inductive one
            return build(seed, mask_key, transductive=True)

        return rat_encoder(seed, args.cache, build=lambda s: build(s, mask_key))

    B.pretrained = cached
    for text in args.variants:
        variant = json.loads(text)
        for k in KEYS:
            setattr(B, k, {**base[k], **variant.get(k, {})})
        B.PRESET = variant.get("PRESET", preset)
        cached.cache_clear()
        for seed in args.seeds:
            for budget in args.budgets:
                for arm in args.arms:
                    start = time.time()
                    r = B.run_one(args.task, budget, seed, arm)
                    per = {k: round(v, 3) for k, v in r.items() if k[:3] == "f1/"}
                    print(
                        f"{text} seed {seed} budget {budget} {arm}: macro-F1 "
                        f"{r['macro_f1']:.3f} mAP {r['mean_ap']:.3f} {per} "
                        f"({time.time() - start:.0f} s)",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
