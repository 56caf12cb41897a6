"""The documentation site builds with warnings as errors; every example runs.

The full build (``xvfb-run -a .venv/bin/sphinx-build -W --keep-going docs
docs/_build/html``, docs/index.md) runs every example inside Sphinx. Here, to
stay within the CI budget, the site is built with the gallery's execution off
(``-D plot_gallery=0``: the example pages show their code) and each example
runs as its own process and must finish cleanly. Their times (5-30 s each on a
2-core CPU) are a speed goal, so they are not asserted here (a test under load
would flake); ``HANG_GUARD_S`` only stops a hung example.

The build works on a copy of docs/ and examples/ under ``tmp_path``, so the
pages Sphinx generates (``generated/``, ``auto_examples/``) never land in the
working tree.
"""

from __future__ import annotations

import html
import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
EXAMPLES = REPO / "examples"

#: the packages whose ``__all__`` the API reference must list in full
PUBLIC = (
    "behavert",
    "behavert.io",
    "behavert.train",
    "behavert.inference",
    "behavert.analysis",
)
#: the guides that must be in the site's table of contents
GUIDES = ("architecture", "analysis", "transfer", "benchmarks", "movement", "scaling")
#: examples that read ../shared/data, and the one that needs a display
REAL_DATA = {"plot_load_dlc_sleap", "plot_labels_boris_cba"}
DISPLAY = {"plot_napari_screenshot"}
#: the acceptance limit of one example, import included (s)
HANG_GUARD_S = 300.0

EXAMPLE_FILES = sorted(EXAMPLES.glob("plot_*.py"))


def _api_sections() -> dict[str, str]:
    """docs/api.md split into its module sections (heading ``## `module```)."""
    text = (DOCS / "api.md").read_text()
    parts = re.split(r"^#{2,3} `([\w.]+)`\s*$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


def _public_names(module: str) -> list[str]:
    names = importlib.import_module(module).__all__
    return [n for n in names if not n.startswith("__")]


def _listed(name: str, module: str, section: str) -> bool:
    """Whether ``name`` is an entry of the section, not only named in prose.

    Entries: a line of an autosummary list, a ``py:data`` description, or a
    ``:py:obj:`` link to ``module.name`` (the package root's re-exports).
    """
    n, m = re.escape(name), re.escape(module)
    entry = rf"^ {{3}}{n}$|^\.\. py:data:: {n}$|:py:obj:`{m}\.{n}\b"
    return re.search(entry, section, flags=re.MULTILINE) is not None


def test_api_page_lists_every_public_name():
    sections = _api_sections()
    for module in PUBLIC:
        assert module in sections, f"docs/api.md has no section for {module}"
        missing = [
            name
            for name in _public_names(module)
            if not _listed(name, module, sections[module])
        ]
        assert not missing, f"docs/api.md does not list {module}.{missing}"


def test_gallery_scripts_are_complete_and_offline():
    assert (EXAMPLES / "GALLERY_HEADER.rst").is_file()
    assert len(EXAMPLE_FILES) >= 6
    names = {p.stem for p in EXAMPLE_FILES}
    assert names >= REAL_DATA | DISPLAY
    for path in EXAMPLE_FILES:
        source = path.read_text()
        # sphinx-gallery: a docstring first, whose title is underlined with "="
        lines = source.lstrip().split("\n")
        assert lines[0] == '"""', f"{path.name}: no docstring first"
        title, underline = lines[1], lines[2]
        assert title.strip() and underline == "=" * len(title), path.name
        for word in ("urllib", "requests", "pooch", "urlretrieve", "http://"):
            assert word not in source, f"{path.name} may download ({word})"


@pytest.mark.parametrize(
    "example",
    [
        pytest.param(p, id=p.stem, marks=[pytest.mark.gui] if p.stem in DISPLAY else [])
        for p in EXAMPLE_FILES
    ],
)
def test_example_runs(example: Path, request, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    if example.stem in REAL_DATA:
        env["BEHAVERT_SHARED_DATA"] = str(request.getfixturevalue("shared_data"))
    command = [sys.executable, str(example)]
    if example.stem in DISPLAY and sys.platform.startswith("linux"):
        if not os.environ.get("DISPLAY"):  # pytest-xvfb sets it for the session
            if shutil.which("xvfb-run") is None:
                pytest.fail("the napari example needs an X display or xvfb-run")
            command = ["xvfb-run", "-a", *command]
    proc = subprocess.run(
        command,
        cwd=tmp_path,  # the examples find their data themselves and write nothing
        env=env,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
    )
    assert proc.returncode == 0, f"{example.name} failed:\n{proc.stderr[-4000:]}"


def _page_text(path: Path) -> str:
    text = re.sub(r"<[^>]+>", " ", path.read_text())
    return " ".join(html.unescape(text).split())


def _api_page(module: str, name: str) -> str:
    """The generated page of ``module.name`` (the root's re-exports: io's)."""
    if module == "behavert" and name != "BehavertError":
        module = "behavert.io"  # one page per object: Poses, load_poses, ...
    return f"{module}.{name}.html"


def _summary_words(obj) -> list[str]:
    """The first three words of a docstring's summary line, markup removed."""
    line = (obj.__doc__ or "").strip().split("\n")[0]
    line = re.sub(r":\w+:", " ", line)
    return re.findall(r"[A-Za-z]+", line)[:3]


def test_docs_build_with_warnings_as_errors(tmp_path):
    for package in ("sphinx", "myst_parser", "pydata_sphinx_theme", "sphinx_gallery"):
        if importlib.util.find_spec(package) is None:
            pytest.fail(f"{package} is missing: pip install -e '.[docs]'")
    ignore = shutil.ignore_patterns("_build", "generated", "auto_examples", "sg_*")
    shutil.copytree(DOCS, tmp_path / "docs", ignore=ignore)
    shutil.copytree(EXAMPLES, tmp_path / "examples", ignore=ignore)
    out = tmp_path / "html"
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q"]
    command += ["-D", "plot_gallery=0", "-d", str(tmp_path / "doctrees")]
    command += [str(tmp_path / "docs"), str(out)]
    proc = subprocess.run(
        command,
        cwd=tmp_path,
        env={**os.environ, "MPLBACKEND": "Agg"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"sphinx-build -W failed:\n{proc.stderr[-6000:]}"

    index = (out / "index.html").read_text()
    for guide in GUIDES:
        assert (out / f"{guide}.html").is_file(), guide
        assert f'href="{guide}.html"' in index, f"{guide} is not in the toctree"
    assert 'href="auto_examples/index.html"' in index
    for example in EXAMPLE_FILES:
        assert (out / "auto_examples" / f"{example.stem}.html").is_file(), example

    # every public function and class has its page, showing its docstring
    for module in PUBLIC:
        package = importlib.import_module(module)
        for name in _public_names(module):
            obj = getattr(package, name)
            if not callable(obj):  # constants: described on the API page
                continue
            page = out / "generated" / _api_page(module, name)
            assert page.is_file(), f"no API page for {module}.{name}"
            text = _page_text(page)
            words = _summary_words(obj)
            assert words and all(w in text for w in words), f"{page.name}: {words}"
