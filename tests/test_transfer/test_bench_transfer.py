"""Smoke test of benchmarks/bench_transfer.py at tiny sizes (so it never rots)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_transfer.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_transfer", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_transfer"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_transfer", None)


def test_keep_bouts_keeps_a_share_and_every_class(bench):
    labels = [np.repeat([0, 1, 0, 2, 1, 0], 10), np.repeat([1, 0, 1, 0], 5)]
    kept = bench.keep_bouts(labels, 0.1, np.random.default_rng(0))
    assert [len(k) for k in kept] == [60, 20]
    flat = np.concatenate(kept)
    assert set(flat[flat >= 0].tolist()) == {0, 1, 2}
    assert bench._n_runs(kept) == 3  # one bout per class beats 10 % of 10
    for k, y in zip(kept, labels):
        assert (k[k >= 0] == y[k >= 0]).all()


@pytest.mark.realdata
def test_tiny_run_writes_its_section(bench, tmp_path, shared_data):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Import\n\nkeep me\n")
    text = bench.main(["--tiny", "--write", str(doc)])
    assert "(a) Synthetic" in text and "(b) Real" in text
    assert text.count("| 30% (") == 2
    written = doc.read_text()
    assert "keep me" in written and "## Transfer" in written
    bench.main(["--tiny", "--part", "synthetic", "--write", str(doc)])
    again = doc.read_text()
    assert again.count(bench.START) == 1 and "(b) Real" not in again
