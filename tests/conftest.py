"""Shared fixtures: the real data folder next to the repository."""

from __future__ import annotations

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


pytest_plugins = ["fixtures.synthetic_runs"]
