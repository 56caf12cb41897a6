"""Sphinx configuration of the napari-behavert documentation.

Build (from the repository root; the napari example needs an X display)::

    xvfb-run -a .venv/bin/sphinx-build -W --keep-going docs docs/_build/html

That runs every example of ``examples/`` (the gallery). Without running them
(the CI test, ``tests/test_docs.py``, runs them one by one instead)::

    .venv/bin/sphinx-build -W --keep-going -D plot_gallery=0 docs docs/_build/html

Examples that read the real files of ``../shared/data`` (or
``$BEHAVERT_SHARED_DATA``) are rendered without running them when that folder
is absent, and the napari example when there is no X display (Linux).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import behavert

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))  # gallery_figures (the report's scraper)
SHARED_DATA = Path(
    os.environ.get("BEHAVERT_SHARED_DATA", ROOT.parent / "shared" / "data")
)

project = "napari-behavert"
author = "napari-behavert developers"
copyright = "napari-behavert developers"
release = behavert.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = [
    "_build",
    "_ext",
    "Thumbs.db",
    ".DS_Store",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
]

# `name` in the numpy-style docstrings links to the object when it resolves
default_role = "py:obj"

# -- MyST (the guides are Markdown) ---------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# -- API reference -----------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_member_order = "bysource"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
# "Attributes" sections become :ivar: fields, so a dataclass field documented
# there is not described a second time by autodoc's members
napoleon_use_ivar = True
napoleon_use_rtype = False

# -- The gallery ------------------------------------------------------------
#: examples that read ../shared/data, and the one that needs an X display
REAL_DATA_EXAMPLES = ("plot_load_dlc_sleap", "plot_labels_boris_cba")
DISPLAY_EXAMPLES = ("plot_napari_screenshot",)


def _not_run() -> list[str]:
    """Examples rendered without running them on this machine."""
    skipped = []
    if not SHARED_DATA.is_dir():
        skipped += REAL_DATA_EXAMPLES
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        skipped += DISPLAY_EXAMPLES
    return skipped


def _filename_pattern(skipped: list[str]) -> str:
    """sphinx-gallery's pattern of the examples to run (all but ``skipped``)."""
    if not skipped:
        return r"/plot_[^/]*\.py$"
    names = "|".join(skipped)
    return rf"/(?!(?:{names})\.py$)plot_[^/]*\.py$"


sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": _filename_pattern(_not_run()),
    "ignore_pattern": r"(__init__|/_[^/]*)\.py$",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    # the pyplot-free figures of behavert.report.figures, then pyplot's
    "image_scrapers": ("gallery_figures.report_figure_scraper", "matplotlib"),
    "reset_modules": ("matplotlib",),
    "capture_repr": (),
    "show_memory": False,
    "min_reported_time": 5,
    "matplotlib_animations": False,
}

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"napari-behavert {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_static_path: list[str] = []
html_show_sourcelink = False


# -- Docstrings ---------------------------------------------------------------
#: a parameter line that only lists names and ends with a comma, e.g.
#: ``init, tokenizer, config, train_config, out, resume, cancel, window, stride,``
_WRAPPED_NAMES = re.compile(r"^(\s*)[*\w]+(?:, [*\w]+)*,$")
_NAMES = re.compile(r"^[*\w]+(?:, [*\w]+)*$")


def join_wrapped_parameter_names(app, what, name, obj, options, lines) -> None:
    """Join a numpydoc parameter-name list wrapped over two lines.

    Some docstrings (``finetune_sequences``, ``analyze_recording``) wrap a
    long ``a, b, c,`` name list onto the next line to stay within 88
    columns; numpydoc and napoleon read only one line of names and docutils
    then reports a broken field list. This joins such a pair of lines before
    napoleon runs and changes nothing else.
    """
    i = 0
    while i < len(lines) - 1:
        head = _WRAPPED_NAMES.match(lines[i])
        nxt = lines[i + 1]
        if (
            head
            and nxt.startswith(head.group(1))
            and _NAMES.match(nxt[len(head.group(1)) :])
        ):
            lines[i] = f"{lines[i]} {nxt.strip()}"
            del lines[i + 1]
            continue
        i += 1


def setup(app) -> None:
    """Run the docstring fix before napoleon (its priority is the default 500)."""
    app.connect("autodoc-process-docstring", join_wrapped_parameter_names, 400)
