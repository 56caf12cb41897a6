"""Fixtures of the napari tests (napari's own pytest plugin gives the viewer)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from fixtures.tiny_models import (  # noqa: F401  (tiny untrained models)
    frame_model,
    seq_model,
    synthetic_rec,
    tokenizer,
)

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture
def screenshot(tmp_path):
    """Save a canvas screenshot under tmp_path; return the RGBA image.

    With ``BEHAVERT_WRITE_SCREENSHOTS=1`` the file is also copied to
    ``docs/images/`` (how the documentation images are refreshed). The viewer
    must be shown (``make_napari_viewer(show=True)``), else the canvas is black.
    """

    def take(viewer, name: str) -> np.ndarray:
        path = tmp_path / name
        image = viewer.screenshot(str(path), canvas_only=True)
        if os.environ.get("BEHAVERT_WRITE_SCREENSHOTS") == "1":
            DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_IMAGES / name)
        return image

    return take
