"""``behavert benchmark NAME --data DIR``: public benchmark protocols (CalMS21)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import ConfigError
from .common import write_json


def register(sub) -> None:
    p = sub.add_parser("benchmark", help="public benchmark protocols (CalMS21)")
    p.add_argument("name", choices=["calms21"])
    p.add_argument("--data", required=True, help="folder with calms21_task1_*.json")
    p.add_argument("--out", help="folder for calms21_task1.json and the run")
    p.add_argument("--quick", action="store_true", help="tiny model, pipeline check")
    p.add_argument(
        "--trust-pickle", action="store_true", help="allow the pickled .npy files"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print(
        run_benchmark(
            args.name,
            args.data,
            out=args.out,
            quick=args.quick,
            trust_pickle=args.trust_pickle,
        )
    )
    return 0


def run_benchmark(
    name: str,
    data_dir: str | Path,
    out: str | Path | None = None,
    quick: bool = False,
    trust_pickle: bool = False,
) -> str:
    """Run a benchmark; return its printable table.

    Writes ``<out>/<task>.json`` (and trains under ``<out>/run``) when ``out``
    is given.

    Raises
    ------
    ConfigError
        For an unknown benchmark name.
    """
    from .calms21 import format_calms21_task1, run_calms21_task1

    if name.lower() not in ("calms21", "calms21_task1"):
        raise ConfigError(f"unknown benchmark {name!r}; choose 'calms21'")
    run_dir = Path(out) / "run" if out is not None else None
    result = run_calms21_task1(
        data_dir, quick=quick, out=run_dir, trust_pickle=trust_pickle
    )
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        write_json(Path(out) / f"{result['task']}.json", result, sort_keys=False)
    return format_calms21_task1(result)
