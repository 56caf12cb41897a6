"""Import benchmark: ``behavert.load_poses`` against the bare library reads.

Writes a synthetic two-mouse, 12-keypoint recording (default one hour: 108,000
frames at 30 fps) as a DeepLabCut ``.h5`` and a SLEAP ``.slp`` into a temporary
folder with :mod:`behavert.io.save`, then times, best of ``--repeats`` runs,
interleaved:

* ``load_poses(file.h5)`` against ``pandas.read_hdf(file.h5)``;
* ``load_poses(file.slp)`` against ``sleap_io.load_slp(file.slp,
  open_videos=False).numpy()``.

Each timed call follows a ``gc.collect()``; reads under 0.5 s get at least 15
runs (except with ``--quick``).

The goal is a ratio (load_poses / bare read) of at most 1.5 for both. It prints a
markdown table; ``--write docs/benchmarks.md`` also replaces the "Import" section
of that file (between the ``bench_io`` marker comments) with the table, the
machine, the versions, the date and the command.

Usage::

    python benchmarks/bench_io.py                  # full size
    python benchmarks/bench_io.py --quick          # 2,000-frame smoke run
    python benchmarks/bench_io.py --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import cpu_model as _cpu_model  # noqa: E402
from _machine import version as _version  # noqa: E402

GOAL = 1.5
START = "<!-- bench_io:start -->"
END = "<!-- bench_io:end -->"
QUICK_FRAMES = 2000
FAST, FAST_REPEATS = 0.5, 15


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=108_000, help="frames to write")
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke run: {QUICK_FRAMES} frames"
    )
    parser.add_argument("--repeats", type=int, default=3, help="best of N runs")
    parser.add_argument("--seed", type=int, default=0, help="synthetic data seed")
    parser.add_argument(
        "--write", type=Path, default=None, help="update this markdown file"
    )
    parser.add_argument(
        "--tmp", type=Path, default=None, help="folder for the files (default: temp)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.frames = min(args.frames, QUICK_FRAMES)
    if args.frames < 2 or args.repeats < 1:
        parser.error("--frames must be >= 2 and --repeats >= 1")
    return args


def _best(
    funcs: dict, repeats: int, fast_repeats: int = FAST_REPEATS
) -> tuple[dict[str, float], int]:
    """Best wall time in seconds of each callable, runs interleaved.

    Each run starts after a ``gc.collect()``. Reads under ``FAST`` seconds get at
    least ``fast_repeats`` runs (their best-of is noisier). Returns the best
    times and the number of runs.
    """
    best = dict.fromkeys(funcs, float("inf"))
    runs = 0
    while runs < repeats or (runs < fast_repeats and max(best.values()) < FAST):
        for name, func in funcs.items():
            gc.collect()
            start = time.perf_counter()
            func()
            best[name] = min(best[name], time.perf_counter() - start)
        runs += 1
    return best, runs


def run(
    frames: int,
    repeats: int,
    folder: Path,
    seed: int = 0,
    fast_repeats: int = FAST_REPEATS,
) -> dict:
    """Write the synthetic files into ``folder`` and time the reads.

    Returns
    -------
    dict
        ``rows``: list of (format, load_poses s, bare s, ratio, runs, bare call),
        plus ``write`` seconds per format, ``sizes`` in bytes, ``frames`` and
        ``load`` (load average before and after).
    """
    import pandas as pd
    import sleap_io as sio

    from behavert import load_poses
    from behavert.datasets.synthetic import generate_synthetic
    from behavert.io.save import save_dlc, save_slp

    load_before = _load_average()
    poses = generate_synthetic(frames, seed=seed).poses
    h5, slp = folder / "synthetic_bench.h5", folder / "synthetic_bench.slp"
    write = {}
    for path, writer in ((h5, save_dlc), (slp, save_slp)):
        start = time.perf_counter()
        writer(poses, path)
        write[path.suffix] = time.perf_counter() - start

    def quiet_load(path):
        with warnings.catch_warnings():  # the .slp names a video that is absent
            warnings.simplefilter("ignore")
            return load_poses(path)

    calls = {
        ".h5": ("pandas.read_hdf(f)", lambda: pd.read_hdf(h5)),
        ".slp": (
            "sleap_io.load_slp(f, open_videos=False).numpy()",
            lambda: sio.load_slp(str(slp), open_videos=False).numpy(),
        ),
    }
    rows = []
    for path in (h5, slp):
        label, bare = calls[path.suffix]
        funcs = {"load": lambda p=path: quiet_load(p), "bare": bare}
        best, runs = _best(funcs, repeats, fast_repeats)
        ratio = best["load"] / best["bare"]
        rows.append((path.suffix, best["load"], best["bare"], ratio, runs, label))
    sizes = {p.suffix: p.stat().st_size for p in (h5, slp)}
    load = (load_before, _load_average())
    return {
        "rows": rows,
        "write": write,
        "sizes": sizes,
        "frames": frames,
        "load": load,
    }


def _load_average() -> float:
    """1-minute load average (NaN where the system has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return float("nan")


def markdown(
    result: dict, repeats: int, command: str, fast_repeats: int = FAST_REPEATS
) -> str:
    """The markdown report: table, goal verdicts, machine, versions, command."""
    frames = result["frames"]
    lines = [
        f"Synthetic two-mouse, 12-keypoint recording, {frames:,} frames "
        f"({frames / 30 / 60:.1f} min at 30 fps); best of N interleaved runs "
        f"(N = {repeats}, at least {fast_repeats} for reads under {FAST} s), "
        "each after gc.collect().",
        "",
        "| file | load_poses (s) | bare read (s) | ratio | goal <= 1.5 | N "
        "| bare read |",
        "|---|---|---|---|---|---|---|",
    ]
    for suffix, load, bare, ratio, runs, label in result["rows"]:
        verdict = "met" if ratio <= GOAL else "missed"
        lines.append(
            f"| {suffix} | {load:.3f} | {bare:.3f} | {ratio:.2f} | {verdict} "
            f"| {runs} | `{label}` |"
        )
    sizes = ", ".join(
        f"{k} {v / 1e6:.1f} MB written in {result['write'][k]:.1f} s"
        for k, v in result["sizes"].items()
    )
    versions = ", ".join(
        f"{name} {_version(name)}"
        for name in ("napari-behavert", "numpy", "pandas", "tables", "sleap-io")
    )
    lines += [
        "",
        f"- Files: {sizes} (behavert.io.save writers).",
        f"- Machine: {os.cpu_count()} CPUs (nproc), {_cpu_model()}, "
        f"{platform.system()} {platform.release()}; load average "
        f"{result['load'][0]:.1f} before / {result['load'][1]:.1f} after the run "
        "(other jobs share the machine when it exceeds 1).",
        f"- Versions: Python {platform.python_version()}, {versions}.",
        f"- Date: {datetime.date.today().isoformat()}.",
        f"- Command: `{command}`",
    ]
    return "\n".join(lines)


def update_section(doc: Path, body: str) -> None:
    """Put ``body`` between the bench_io markers of ``doc`` (add them if absent)."""
    from _doc import update_section as update

    update(doc, "bench_io", "## Import", body)


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; print (and optionally write) the markdown report."""
    args = parse_args(argv)
    given = sys.argv[1:] if argv is None else list(argv)
    command = " ".join(["python benchmarks/bench_io.py", *given])
    fast = args.repeats if args.quick else max(args.repeats, FAST_REPEATS)
    if args.tmp is not None:
        args.tmp.mkdir(parents=True, exist_ok=True)
        result = run(args.frames, args.repeats, args.tmp, args.seed, fast)
    else:
        with tempfile.TemporaryDirectory(prefix="behavert_bench_") as tmp:
            result = run(args.frames, args.repeats, Path(tmp), args.seed, fast)
    report = markdown(result, args.repeats, command, fast)
    print(report)
    if args.write is not None:
        update_section(args.write, report)
    return report


if __name__ == "__main__":
    main()
