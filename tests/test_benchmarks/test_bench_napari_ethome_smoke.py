"""Smoke tests of benchmarks/bench_napari.py and bench_ethome.py (tiny inputs)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.gui
def test_bench_napari_tiny_run_writes_its_section(tmp_path):
    if not os.environ.get("DISPLAY"):
        pytest.fail("no X display: run the tests under Xvfb (pytest-xvfb)")
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Other\n\nkept\n")
    cmd = [
        sys.executable, str(REPO / "benchmarks" / "bench_napari.py"),
        "--frames", "600", "--steps", "6", "--full-steps", "2", "--jumps", "2",
        "--write", str(doc),
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    text = doc.read_text()
    assert "kept" in text and "<!-- bench_napari:start -->" in text
    rows = [r for r in text.splitlines() if r.startswith("| windowed |")]
    assert len(rows) == 1 and rows[0].split("|")[2].strip() == "6"
    assert "600 frames" in text


@pytest.mark.realdata
def test_bench_ethome_tiny_run_writes_its_section(
    tmp_path, shared_data, load_benchmark
):
    bench = load_benchmark("bench_ethome")
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Other\n\nkept\n")
    report = bench.main(
        ["--seeds", "0", "--steps", "3", "--pretrain-steps", "3", "--write", str(doc)]
    )
    text = doc.read_text()
    assert "kept" in text and report.strip() in text
    methods = [r.split("|")[1].strip() for r in report.splitlines() if r[:2] == "| "]
    assert "distance threshold (tuned on train)" in methods
    assert "BehaVERT from scratch" in methods
    for row in report.splitlines():
        if row.startswith("| BehaVERT"):
            assert 0.0 <= float(row.split("|")[2].split("±")[0]) <= 1.0
