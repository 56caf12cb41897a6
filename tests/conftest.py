"""Shared fixtures: the real data folder next to the repository."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(
    os.environ.get("BEHAVERT_SHARED_DATA", REPO.parent / "shared" / "data")
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ../shared/data; tests using it skip only where the folder is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (a user's clone)")
    return SHARED_DATA


def _load_benchmark(name: str):
    """Import ``benchmarks/<name>.py`` (the scripts are not an installed package)."""
    spec = importlib.util.spec_from_file_location(
        name, REPO / "benchmarks" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def load_benchmark():
    """``load_benchmark("bench_model")`` -> that benchmark script as a module."""
    return _load_benchmark


pytest_plugins = ["fixtures.synthetic_runs", "fixtures.walk"]
