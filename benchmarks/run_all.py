"""Run every benchmark script and regenerate its section of docs/benchmarks.md.

``python benchmarks/run_all.py --quick`` runs each script's quick mode (the
acceptance goal: under 20 minutes on 2 CPU cores); without ``--quick`` it runs
the full benchmarks (hours on 2 cores; the commands are listed in
docs/benchmarks.md). Scripts run one after another in their own process, so
one failure does not stop the others; the exit status is non-zero if any
failed. ``bench_napari`` needs an X display (``DISPLAY``, e.g. under
``xvfb-run``) and is skipped without one. ``bench_synthetic`` has no quick
mode: it runs the synthetic acceptance tests, which are its benchmark.
LISBET runs by default (its venv is created on first use, a ~7 GB
``pip install lisbet``; ``--no-lisbet`` leaves it out).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "benchmarks.md"
PLOT = REPO / "docs" / "images" / "f1_vs_label_budget.png"


def _rel(path: Path) -> str:
    """``path`` relative to the repository when inside it (scripts run there)."""
    path = Path(path).resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def plan(quick: bool, lisbet: bool = True) -> list[tuple[str, list[str]]]:
    """``(script, arguments)`` in run order (``--write`` is added by ``main``)."""
    q = ["--quick"] if quick else []
    real = [*q, "--plot", _rel(PLOT)] + (["--lisbet"] if lisbet else [])
    steps = [
        ("bench_io.py", q),
        ("bench_model.py", q),
        ("bench_peers.py", q + ([] if lisbet else ["--no-lisbet"])),
        ("bench_ethome.py", ["--seeds", "0"] if quick else []),
        ("bench_real.py", real),
        ("bench_transfer.py", q),
        ("bench_synthetic.py", []),
        ("bench_synthetic_oracle.py", q),
        ("bench_rat.py", [*q, "--results", "benchmarks/results/bench_rat.jsonl"]),
    ]
    if os.environ.get("DISPLAY"):
        steps.append(("bench_napari.py", q))
    return steps


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="every script's quick mode"
    )
    parser.add_argument(
        "--no-lisbet",
        action="store_true",
        help="leave LISBET out (bench_real without --lisbet, bench_peers --no-lisbet)",
    )
    parser.add_argument("--doc", type=Path, default=DOC, help="markdown to update")
    parser.add_argument("--only", nargs="+", help="run only these scripts")
    parser.add_argument("--dry-run", action="store_true", help="print the commands")
    args = parser.parse_args(argv)
    steps = plan(args.quick, not args.no_lisbet)
    if not os.environ.get("DISPLAY"):
        print("bench_napari.py skipped: no X display (DISPLAY is not set)")
    if args.only:
        steps = [s for s in steps if s[0] in args.only or s[0][:-3] in args.only]
    results = []
    t_all = time.perf_counter()
    for script, extra in steps:
        cmd = [
            sys.executable,
            f"benchmarks/{script}",
            *extra,
            "--write",
            _rel(args.doc),
        ]
        print("$", " ".join(cmd), flush=True)
        if args.dry_run:
            continue
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, cwd=REPO).returncode
        results.append((script, rc, time.perf_counter() - t0))
    total = time.perf_counter() - t_all
    for script, rc, seconds in results:
        print(
            f"{script:24s} {'ok' if rc == 0 else f'FAILED ({rc})':12s} {seconds:7.0f} s"
        )
    print(f"total {total:.0f} s ({total / 60:.1f} min)")
    return int(any(rc for _, rc, _ in results))


if __name__ == "__main__":
    sys.exit(main())
