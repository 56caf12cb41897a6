"""Diagnosis (issue 11, session 10): where scratch and the pretrained model
disagree on bench_real's single ethome split.

Trains both arms as ``bench_real.py`` does (seed 0, every training bout
labelled, mouse corpus pretraining, 1,000 steps) and prints the runs of test
frames each predicts as ``interact``, before and after the 15-frame bout
smoothing, next to the true bouts (frames counted from the split).

    python benchmarks/explore_ethome_episode.py [SEED]

A diagnosis tool (docs/benchmarks.md, "ethome `interact`: every bout tested").
"""

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import benchmarks.bench_real as R  # noqa: E402
from behavert.io.bouts import mask_runs  # noqa: E402
from benchmarks.bench_ethome import load  # noqa: E402
from benchmarks.real_corpus import corpus  # noqa: E402


def main() -> None:
    torch.set_num_threads(2)
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    poses, truth = load()
    cut, _ = R.split_point(truth, 0.7)
    train_all = poses.select_frames(slice(0, cut))
    test = poses.select_frames(slice(cut, None))
    blocks = R.bout_blocks(truth[:cut])
    others, _ = corpus(poses)
    print("true bouts", mask_runs(truth[cut:].astype(bool)))
    init = R.pretrain_model([poses, *others], seed=seed, steps=1000, preset="tiny")
    kept = R.keep_blocks(len(blocks), 1.0, seed)
    train = [train_all.select_frames(slice(*blocks[k])) for k in kept]
    labels = [truth[slice(*blocks[k])].astype(np.int64) for k in kept]
    for name, start in (("scratch", None), ("pretrained", init)):
        prob, hard = R.run_behavert(
            train, labels, test, start, seed=seed, steps=300, preset="tiny",
            min_bout=15,
        )  # fmt: skip
        print(name, "p > 0.5:", mask_runs(prob > 0.5))
        print(name, "smoothed:", mask_runs(hard))


if __name__ == "__main__":
    main()
