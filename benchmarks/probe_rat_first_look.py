"""First look: does masked pretraining teach the encoder anything? (issue 11).

A linear probe (`behavert.train.probe.linear_probe`: logistic regression on the
frozen encoder's final-layer frame tokens) on the real rat sessions'
stream S1 (aggression / social / nonsocial, ``base`` frames ignored), trained
on sessions 1 and 2 and scored on session 3, for a ``tiny`` encoder pretrained
on the unlabelled poses of sessions 6, 7, 8, 9, 11 and 12 for 0 (random
weights), 600 and 2,000 steps. Not the issue's benchmark (no fine-tuning, one
split, two seeds): a diagnostic printed to stdout, numbers copied by hand into
docs/benchmarks.md.

    python benchmarks/probe_rat_first_look.py [--seeds 0 1] [--steps 0 600 2000]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

DATA = Path(
    os.environ.get(
        "BEHAVERT_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
    )
)
RAT = DATA / "labelled" / "rat_social_cba"
PRETRAIN, PROBE = (6, 7, 8, 9, 11, 12), (1, 2, 3)


def session(n: int):
    """Poses and S1 labels (``base`` ignored) of rat session ``n``."""
    from behavert import load_poses
    from behavert.io.labels import drop_unscored, load_frame_labels

    poses = load_poses(next((RAT / "dlc_csv").glob(f"{n}DLC*.csv")))
    labels = load_frame_labels(
        RAT / "annotations" / f"{n}_annot.txt",
        n_frames=poses.n_frames,
        frame_index=poses.frame_index,
    )
    return poses, drop_unscored(labels, ["base"])


def main(argv=None) -> None:
    from behavert.train import TrainConfig, pretrain, run_to_end
    from behavert.train.probe import linear_probe

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--steps", type=int, nargs="+", default=[0, 600, 2000])
    args = p.parse_args(argv)
    warnings.simplefilter("ignore")  # labels past the poses, all-NaN keypoints
    unlabelled = [session(n)[0] for n in PRETRAIN]
    probe = [session(n) for n in PROBE]
    for seed in args.seeds:
        for steps in args.steps:
            start = time.time()
            tc = TrainConfig(
                max_steps=max(steps, 1),
                batch_size=16,
                seed=seed,
                lr=1e-3 if steps else 1e-12,  # 0 steps: the random initial weights
                warmup_steps=50 if steps else 0,
            )
            run = run_to_end(pretrain(unlabelled, config="tiny", train_config=tc))
            m = linear_probe(
                run.model,
                run.tokenizer,
                [pz for pz, _ in probe],
                [lab for _, lab in probe],
                seed=seed,
            )
            per_class = {k[3:]: round(v, 3) for k, v in m.items() if k[:3] == "f1/"}
            print(
                f"seed {seed}, {steps} steps: probe macro-F1 {m['macro_f1']:.3f} "
                f"{per_class} ({time.time() - start:.0f} s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
