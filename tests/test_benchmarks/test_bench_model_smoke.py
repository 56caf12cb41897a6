"""Smoke test of benchmarks/bench_model.py at tiny sizes (``--quick``)."""

from __future__ import annotations

import re

import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("bench_model")


def _rows(report: str, header: str) -> list[list[str]]:
    """Cells of the body rows of the table whose header starts with ``header``."""
    lines = report.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header}"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def _number(cell: str) -> float:
    return float(re.match(r"[\d,.]+", cell.strip()).group().replace(",", ""))


def test_quick_run_reports_every_row_and_updates_doc(bench, tmp_path, capsys):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(
        f"# Benchmarks\n\n## Model speed and memory\n\n{bench.START}\nold\n"
        f"{bench.END}\n\n## Other\nkeep\n"
    )
    argv = ["--quick", "--matmul-size", "128", "--infer-frames", "200"]
    report = bench.main([*argv, "--memory-frames", "300", "--write", str(doc)])

    (peak,) = _rows(report, "matmul peak")
    assert peak[0] == "float32" and _number(peak[4]) > 0

    (train,) = _rows(report, "pretraining")
    assert train[0] == "tiny"
    frames_per_s, gflops, mfu = (_number(c) for c in train[2:5])
    assert frames_per_s > 0 and gflops > 0 and mfu > 0
    counted, formula = (_number(c) for c in train[5].split("/"))
    assert 0.5 < counted / formula < 1.5

    infer = _rows(report, "inference")
    assert [(r[0], r[1].split(" (")[0]) for r in infer] == [
        ("tiny", "64 / 32"),
        ("tiny", "64 / 48"),
    ]
    for row in infer:
        assert _number(row[2]) > 0 and _number(row[3]) > 0
        assert 0 < _number(row[5]) <= _number(row[4])
        assert row[6] in ("met", "missed")
    assert infer[0][7] == "reference" and 0 <= _number(infer[1][7]) <= 100

    (memory,) = _rows(report, "predict memory")
    assert memory[0] == "tiny" and memory[1].startswith("300 frames")
    predict_mb, whole_mb = _number(memory[2]), _number(memory[3])
    assert 50 < predict_mb <= whole_mb < 4096 and memory[4] == "met"

    assert "bench_model.py --quick" in report
    assert report in capsys.readouterr().out
    text = doc.read_text()
    assert report in text and "old" not in text and text.endswith("## Other\nkeep\n")


def test_update_section_adds_heading_and_markers_once(bench, tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nintro\n")
    bench.update_section(doc, "| a |")
    bench.update_section(doc, "| b |")
    text = doc.read_text()
    assert text.startswith("# Benchmarks\n\nintro\n\n## Model speed and memory\n")
    assert f"{bench.START}\n| b |\n{bench.END}" in text and "| a |" not in text
    assert text.count(bench.HEADING) == 1


def test_formula_matches_bert_base_rule_of_thumb(bench):
    from behavert.model import BehavertConfig

    config = BehavertConfig.from_preset("base", feature_size=100)
    # 24 h^2 + 4 s h per layer and token, s = 65 tokens; no projection, no head.
    h, s, layers = 768, 65, 12
    expected = layers * s * (24 * h * h + 4 * s * h) + 64 * 2 * 100 * h
    assert bench.analytic_flops(config, 64, 0, train=False) == expected
    assert bench.analytic_flops(config, 64, 0, train=True) == 3 * expected


def test_quick_defaults_and_stride_defaults(bench):
    quick = bench.parse_args(["--quick"])
    assert quick.presets == ["tiny"] and quick.memory_preset == "tiny"
    full = bench.parse_args(["--window", "128"])
    assert full.presets == ["small", "base"] and full.memory_frames == 108_000
    assert full.strides == [64, 96] and full.memory_stride == 96
