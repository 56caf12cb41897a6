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

#: In ``gui`` tests a FutureWarning or DeprecationWarning is an error (napari
#: warns this way before it removes what we use, e.g. private attributes read
#: through the viewer proxy its docks get). Third-party warnings we cannot fix
#: are ignored below, each by its own category, message or module, with the reason.
GUI_WARNINGS = (
    "error::FutureWarning",
    "error::DeprecationWarning",
    # pydantic 2 on napari's / npe2's / app-model's own models (json_encoders,
    # extra Field keywords), raised when napari is first imported: not our code
    # (behavert does not use pydantic), so only pydantic's own category.
    "ignore::pydantic.warnings.PydanticDeprecatedSince20",
)


def pytest_collection_modifyitems(config, items):
    """Add the :data:`GUI_WARNINGS` filters to every test marked ``gui``
    (only when pytest's warnings plugin runs: ``-p no:warnings`` turns it off)."""
    if not config.pluginmanager.has_plugin("warnings"):
        return
    for item in items:
        if item.get_closest_marker("gui") is not None:
            item.add_marker(pytest.mark.filterwarnings(*GUI_WARNINGS))


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
