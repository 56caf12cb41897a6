"""``load_poses``: one entry point that dispatches to the format readers."""

from __future__ import annotations

from pathlib import Path

from .poses import Poses


def register_loader(name, *, suffixes, sniff=None):  # placeholder, see io helper
    raise NotImplementedError


def load_poses(
    path: str | Path,
    *,
    source: str = "auto",
    video: str | Path | None = None,
    likelihood_threshold: float | None = None,
) -> Poses:
    """Load tracked poses from a DeepLabCut or SLEAP file."""
    raise NotImplementedError
