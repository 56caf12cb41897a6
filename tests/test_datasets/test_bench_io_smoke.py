"""Smoke test of benchmarks/bench_io.py on a small synthetic recording."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("bench_io")


def test_quick_run_reports_both_ratios_and_updates_doc(bench, tmp_path, capsys):
    doc = tmp_path / "benchmarks.md"
    section = f"{bench.START}\nold\n{bench.END}"
    doc.write_text(f"# Benchmarks\n\n## Import\n\n{section}\n\n## Other\nkeep\n")
    files = tmp_path / "files"
    report = bench.main(
        ["--quick", "--repeats", "1", "--write", str(doc), "--tmp", str(files)]
    )
    rows = [line for line in report.splitlines() if line.startswith("| .")]
    assert [row.split("|")[1].strip() for row in rows] == [".h5", ".slp"]
    for row in rows:
        ratio = float(row.split("|")[4])
        assert ratio > 0
    assert "2,000 frames" in report and "--quick" in report
    assert report in capsys.readouterr().out
    text = doc.read_text()
    assert report in text and "old" not in text and text.endswith("## Other\nkeep\n")
    assert sorted(p.name for p in files.iterdir()) == [
        "synthetic_bench.h5",
        "synthetic_bench.slp",
    ]


def test_update_section_adds_markers_when_absent(bench, tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nintro\n")
    bench.update_section(doc, "| table |")
    text = doc.read_text()
    assert text.startswith("# Benchmarks\n\nintro\n\n## Import\n")
    assert f"{bench.START}\n| table |\n{bench.END}" in text
    bench.update_section(doc, "| new |")
    assert (
        "| table |" not in doc.read_text() and doc.read_text().count("## Import") == 1
    )


def test_quick_caps_frames(bench):
    assert bench.parse_args(["--quick"]).frames == bench.QUICK_FRAMES
    assert bench.parse_args([]).frames == 108_000
