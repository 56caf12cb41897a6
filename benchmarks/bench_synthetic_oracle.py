"""How separable are the synthetic genotypes at all? An oracle ceiling.

The synthetic ``ko`` genotype lowers the rate of nose-to-nose contact. An oracle
that knows every frame's true behaviour and thresholds the share of
nose_to_nose frames (the best threshold, chosen on the same recordings) bounds
what any recording-level classifier can reach, as a function of recording length.

Run: ``python benchmarks/bench_synthetic_oracle.py [--recordings 30] [--quick]
[--write docs/benchmarks.md]`` (``--quick``: 10 recordings per genotype).
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from behavert.datasets.synthetic import generate_synthetic  # noqa: E402
from benchmarks._doc import update_section  # noqa: E402

NAME = "bench_synthetic_oracle"
HEADING = "## Synthetic genotype oracle"


def oracle_accuracy(n_frames: int, n_recordings: int, seed: int = 1000) -> dict:
    share = {"wt": [], "ko": []}
    for s in range(n_recordings):
        for g in share:
            rec = generate_synthetic(n_frames, genotype=g, seed=seed + s)
            k = rec.behaviours.index("nose_to_nose")
            share[g].append(float((rec.labels == k).mean()))
    wt, ko = np.array(share["wt"]), np.array(share["ko"])
    best = max(
        ((wt > t).mean() + (ko <= t).mean()) / 2 for t in np.unique(np.r_[wt, ko])
    )
    return {"wt": wt.mean(), "ko": ko.mean(), "oracle": best}


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=30, help="per genotype")
    parser.add_argument("--frames", type=int, nargs="+", default=[1800, 3600, 5400])
    parser.add_argument("--quick", action="store_true", help="10 per genotype")
    parser.add_argument("--write", type=Path, help="update this markdown file")
    args = parser.parse_args(argv)
    if args.quick:
        args.recordings = min(args.recordings, 10)
    given = sys.argv[1:] if argv is None else list(argv)
    command = " ".join(["python benchmarks/bench_synthetic_oracle.py", *given])
    lines = [
        f"Command: `{command}` — {datetime.date.today()}; {args.recordings} "
        "recordings per genotype (seeds 1000 on), the best threshold on the "
        "nose_to_nose share chosen on the same recordings.",
        "",
        "| frames (30 fps) | nose_to_nose share wt | ko | oracle accuracy |",
        "|---|---|---|---|",
    ]
    for n in args.frames:
        r = oracle_accuracy(n, args.recordings)
        lines.append(
            f"| {n} ({n / 1800:.0f} min) | {r['wt']:.3f} | {r['ko']:.3f} | "
            f"{r['oracle']:.3f} |"
        )
    report = "\n".join(lines)
    print(report)
    if args.write:
        update_section(args.write, NAME, HEADING, report)
    return report


if __name__ == "__main__":
    main()
