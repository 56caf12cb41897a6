"""benchmarks/run_all.py runs every script that owns a section of the docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run_all(load_benchmark):
    return load_benchmark("run_all")


def test_every_section_of_the_docs_has_a_script_in_the_plan(run_all, monkeypatch):
    monkeypatch.setenv("DISPLAY", ":99")
    doc = (REPO / "docs" / "benchmarks.md").read_text()
    sections = set(re.findall(r"<!-- (\w+):start -->", doc))
    assert {"bench_real", "bench_peers", "bench_model"} <= sections
    for quick in (True, False):
        scripts = {name[:-3] for name, _ in run_all.plan(quick)}
        assert sections <= scripts, sections - scripts
        for name, _ in run_all.plan(quick):
            assert (REPO / "benchmarks" / name).is_file()


def test_quick_plan_is_quick_and_lisbet_is_on_by_default(run_all, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    plan = dict(run_all.plan(True))
    assert "bench_napari.py" not in plan  # needs an X display
    for name, args in plan.items():
        assert "--quick" in args or name in ("bench_ethome.py", "bench_synthetic.py")
    assert "--lisbet" in plan["bench_real.py"]
    assert "--no-lisbet" not in plan["bench_peers.py"]
    off = dict(run_all.plan(True, lisbet=False))
    assert "--lisbet" not in off["bench_real.py"]
    assert "--no-lisbet" in off["bench_peers.py"]
