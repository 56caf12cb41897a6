"""The core never imports napari or Qt (only behavert.napari does)."""

import subprocess
import sys

CORE = [
    "behavert",
    "behavert.io",
    "behavert.io.labels",
    "behavert.io.video",
    "behavert.io.save",
    "behavert.datasets.synthetic",
    "behavert.datasets.synthetic_species",
    "behavert.data",
    "behavert.data.mapping",
    "behavert.model",
    "behavert.train",
    "behavert.train.loop",
    "behavert.train.finetuning",
    "behavert.train.transfer",
    "behavert.inference",
    "behavert.inference.importance",
    "behavert.analysis",
    "behavert.report",
    "behavert.report.figures",
    "behavert.cli.demo",
    "behavert.cli",
]


def test_core_modules_import_no_napari_or_qt():
    code = (
        "import importlib, sys\n"
        f"for name in {CORE!r}:\n"
        "    importlib.import_module(name)\n"
        "gui = [m for m in ('napari', 'qtpy', 'PyQt5', 'PyQt6', 'PySide2', 'PySide6',"
        " 'magicgui', 'superqt') if m in sys.modules]\n"
        "print(','.join(gui) or 'none')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "none"
