"""The layout rules of docs/architecture.md, checked on the source (AST, no imports).

- no module imports another module's private (``_x``) name;
- the core never imports upward (e.g. inference -> train, io -> model,
  anything -> napari or cli), and only ``behavert.napari`` imports Qt;
- no file over 500 lines, no function over 80 lines (docstring excluded);
- no block of 10 lines repeated in src/, no function body written twice.
"""

from __future__ import annotations

import ast
import hashlib
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "behavert"

#: what the two edges (cli, napari) may import: every part but each other
EDGE = {
    "errors", "io", "data", "model", "inference", "analysis", "train",
    "report", "datasets", "colors", "_version",
}  # fmt: skip
#: top-level part of behavert -> the parts it may import (itself always allowed)
ALLOWED: dict[str, set[str]] = {
    "__init__": {"errors", "io", "_version"},
    "_version": set(),
    "_lazy": set(),  # lazy package exports: importable from every part
    "errors": set(),
    "colors": set(),
    "io": {"errors"},
    "data": {"errors", "io"},
    "model": {"errors"},
    "analysis": {"errors", "io"},
    "inference": {"errors", "io", "data", "model", "analysis"},
    "train": {"errors", "io", "data", "model", "inference", "analysis"},
    "report": {"errors", "io", "data", "model", "inference", "analysis", "colors"},
    "datasets": {"errors", "io", "data"},
    "cli": EDGE,
    "napari": EDGE,
}
QT = {"napari", "qtpy", "magicgui", "superqt", "vispy", "PyQt5", "PyQt6", "PySide2",
      "PySide6"}  # fmt: skip
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 80
MIN_REPEAT = 10


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(), str(path)) for name, path in MODULES.items()}


def _is_package(name: str) -> bool:
    return name in MODULES and MODULES[name].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """Absolute name of the module an ``ImportFrom`` reads from."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not _is_package(module):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str, tree: ast.AST | None = None):
    """``(line, imported module, names)`` of every import, lazy ones included."""
    for node in ast.walk(TREES[module] if tree is None else tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, _resolve(module, node), [a.name for a in node.names]


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_the_checker_sees_every_module():
    assert "behavert.inference.runner" in MODULES
    assert "behavert.io.load" in MODULES
    assert len(MODULES) > 60


def private_imports(module: str, tree: ast.AST | None = None) -> list[str]:
    """``from other import _name`` statements of ``module``."""
    bad = []
    for line, target, names in _imports(module, tree):
        if not target.startswith("behavert") or target == module:
            continue
        for name in names:
            if name.startswith("_") and not name.startswith("__"):
                if f"{target}.{name}" in MODULES:  # a private submodule
                    continue
                bad.append(f"{module}:{line} imports {name} from {target}")
    return bad


def test_no_module_imports_a_private_name_of_another():
    bad = [b for module in MODULES for b in private_imports(module)]
    assert not bad, "\n".join(bad)


def test_no_module_reads_a_private_attribute_of_another_module():
    bad = []
    for module, tree in TREES.items():
        aliases = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("behavert"):
                        aliases[a.asname or a.name.split(".")[0]] = a.name
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(module, node)
                for a in node.names:
                    if f"{target}.{a.name}" in MODULES:
                        aliases[a.asname or a.name] = f"{target}.{a.name}"
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and aliases[node.value.id] != module
            ):
                bad.append(f"{module}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert not bad, "\n".join(bad)


def upward_imports(module: str, tree: ast.AST | None = None) -> list[str]:
    """Imports of ``module`` that break the layering of ``ALLOWED``."""
    bad = []
    part = _part(module)
    allowed = ALLOWED.get(part)
    assert allowed is not None, f"{module}: part {part!r} has no rule in ALLOWED"
    for line, target, names in _imports(module, tree):
        top = target.split(".")[0]
        if top in QT and part != "napari":
            bad.append(f"{module}:{line} imports {target} (only behavert.napari)")
        if top != "behavert":
            continue
        targets = [target] if target != "behavert" else [
            f"behavert.{n}" for n in names
        ]  # fmt: skip
        for t in targets:
            other = _part(t)
            if other != part and other not in allowed and other != "_lazy":
                bad.append(f"{module}:{line} ({part}) imports {t} ({other})")
    return bad


def test_the_core_never_imports_upward():
    bad = [b for module in MODULES for b in upward_imports(module)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    ("module", "code"),
    [
        ("behavert.inference.runner", "from ..train.loop import TrainedRun"),
        ("behavert.inference.runner", "import behavert.train"),
        ("behavert.io.load", "def f():\n    from ..model import BehavertModel"),
        ("behavert.data.tokenizer", "from behavert.napari import layers"),
        ("behavert.train.loop", "import qtpy"),
        ("behavert.analysis.motifs", "from ..cli import app"),
    ],
)
def test_the_layering_check_catches_upward_imports(module, code):
    assert upward_imports(module, ast.parse(code))


@pytest.mark.parametrize(
    ("module", "code"),
    [
        ("behavert.inference.importance", "from .runner import _helper"),
        ("behavert.cli", "from behavert.train.loop import _Runtime"),
        ("behavert.analysis.motifs", "def f():\n    from ..io.load import _norm"),
    ],
)
def test_the_private_check_catches_private_imports(module, code):
    assert private_imports(module, ast.parse(code))


def test_allowed_imports_pass_the_checks():
    code = "from ..model.device import pick_device\nfrom .runner import run_stitched"
    tree = ast.parse(code)
    assert not upward_imports("behavert.inference.predict", tree)
    assert not private_imports("behavert.inference.predict", tree)


def test_no_file_is_over_500_lines():
    long = {
        str(p.relative_to(SRC)): n
        for p in MODULES.values()
        if (n := len(p.read_text().splitlines())) > MAX_FILE_LINES
    }
    assert not long, long


def _docstring_lines(fn: ast.AST) -> int:
    body = getattr(fn, "body", [])
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return body[0].end_lineno - body[0].lineno + 1
    return 0


def test_no_function_is_over_80_lines():
    long = []
    for module, tree in TREES.items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1 - _docstring_lines(node)
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{module}.{node.name}: {n} lines")
    assert not long, "\n".join(long)


def _code_lines(path: Path) -> list[tuple[int, str]]:
    """Non-blank, non-comment, non-import lines, white space folded."""
    out = []
    for i, line in enumerate(path.read_text().splitlines(), 1):
        text = " ".join(line.split())
        if not text or text.startswith("#") or len(text) <= 2:
            continue
        if text.startswith(("import ", "from ")):
            continue
        out.append((i, text))
    return out


def test_no_block_of_10_lines_is_repeated():
    seen: dict[str, str] = {}
    repeats = []
    for module, path in MODULES.items():
        lines = _code_lines(path)
        for k in range(len(lines) - MIN_REPEAT + 1):
            block = "\n".join(t for _, t in lines[k : k + MIN_REPEAT])
            where = f"{module}:{lines[k][0]}"
            first = seen.setdefault(block, where)
            if first == where:
                continue
            first_module, first_line = first.rsplit(":", 1)
            # within one file, overlapping windows of one run are not repeats
            if first_module != module or lines[k][0] - int(first_line) >= MIN_REPEAT:
                repeats.append(f"{where} repeats {first}")
    assert not repeats, "\n".join(repeats[:20])


def test_no_function_body_is_written_twice():
    bodies = defaultdict(list)
    for module, tree in TREES.items():
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if node.name.startswith("__"):
                continue  # protocol boilerplate (a package's lazy __getattr__)
            body = node.body[1:] if _docstring_lines(node) else node.body
            if sum(1 for _ in ast.walk(ast.Module(body=body, type_ignores=[]))) < 20:
                continue  # tiny bodies (one-line accessors) may coincide
            key = hashlib.sha1(
                "\n".join(ast.dump(s) for s in body).encode()
            ).hexdigest()
            bodies[key].append(f"{module}.{node.name}")
    twice = [v for v in bodies.values() if len(v) > 1]
    assert not twice, twice
