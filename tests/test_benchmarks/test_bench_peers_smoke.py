"""Smoke test of benchmarks/bench_peers.py (speed and memory against LISBET).

CI has no LISBET venv (a ~7 GB ``pip install lisbet``), so the tiny run leaves
LISBET out and the report must say so; the ratios and the speed goal are
checked on the report of a tiny BehaVERT run with LISBET numbers put beside it.
"""

from __future__ import annotations

import re

import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("bench_peers")


@pytest.fixture(scope="module")
def tiny(bench):
    args = bench.parse_args(
        [
            "--frames", "400", "--models", "lisbet-size", "--steps", "2",
            "--warmup", "1", "--peak-n", "128", "--no-lisbet",
        ]
    )  # fmt: skip
    return args, bench.run(args)


def _row(report: str, name: str) -> list[str]:
    line = next(r for r in report.splitlines() if r.startswith(f"| {name} "))
    return [c.strip() for c in line.strip("|").split("|")]


def _num(cell: str) -> float:
    return float(re.match(r"[\d,.]+", cell).group().replace(",", ""))


def test_tiny_run_measures_every_column(bench, tiny):
    args, result = tiny
    (b,) = result["behavert"]
    assert b["model"] == "lisbet-size"
    assert b["inference"]["frames"] == 400
    assert b["pretrain"]["frames_per_s"] > 0 and b["inference"]["frames_per_s"] > 0
    assert b["inference"]["hwm_mb"] >= b["inference"]["rss_before_mb"] > 50
    assert b["inference"]["peak_mb"] > 50 and b["inference"]["processes"] >= 1
    # LISBET-size: hidden 32, 4 layers, intermediate 128 (LISBET transformer-base)
    assert 40_000 < b["params"] < 120_000
    report = bench.markdown(result, args, "python benchmarks/bench_peers.py (test)")
    row = _row(report, "BehaVERT lisbet-size")
    assert row[2] == "64 x 8; 64 / 32"
    assert _num(row[6]) == pytest.approx(b["inference"]["frames_per_s"], rel=0.01)
    assert row[5] == row[7] == row[9] == "-"  # no LISBET, no ratio
    assert "LISBET: not run (--no-lisbet)" in report
    assert "400 frames" in report


def test_ratios_and_goal_against_lisbet(bench, tiny):
    args, result = tiny
    fps = result["behavert"][0]["inference"]["frames_per_s"]
    mb = result["behavert"][0]["inference"]["peak_mb"]
    for factor, verdict in ((20.0, "met"), (5.0, "missed")):
        lisbet = {
            "params": 60_000,
            "read_s": 1.0,
            "import_s": 3.0,
            "torch": "x",
            "threads": 2,
            "records": 4,
            "pretrain": {
                "tasks": "cons,order,shift,warp", "window": 200, "batch": 32,
                "batches": 10, "steps_per_s": 3.0, "frames_per_s": 80_000.0,
            },
            "window": 200,
            "inference": {"frames_per_s": fps / factor, "peak_mb": 2 * mb},
        }  # fmt: skip
        report = bench.markdown({**result, "lisbet": lisbet}, args, "test")
        row = _row(report, "BehaVERT lisbet-size")
        pre = result["behavert"][0]["pretrain"]["frames_per_s"]
        assert row[5] == bench._x(pre, 80_000) and row[5].endswith("x")
        assert row[7] == f"{factor:.1f}x"
        assert row[9] == "0.5x"
        assert f"**{verdict}**, {factor:.1f}x" in report
        lisbet_row = _row(report, "LISBET transformer-base (0.4.3)")
        assert lisbet_row[2] == "200 x 32; 200 / 1"
        assert lisbet_row[5] == lisbet_row[7] == "1.0x"


def test_write_replaces_only_its_section(bench, tmp_path, tiny):
    args, result = tiny
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Other\n\nkept\n")
    for _ in range(2):
        bench.update_section(doc, bench.NAME, bench.HEADING, "body")
    text = doc.read_text()
    assert "kept" in text and text.count(bench.HEADING) == 1
    assert text.count("<!-- bench_peers:start -->\nbody\n<!-- bench_peers:end -->") == 1
