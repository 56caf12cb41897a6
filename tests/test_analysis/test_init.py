"""behavert.analysis imports no torch, napari or Qt and exports its API."""

from __future__ import annotations

import subprocess
import sys


def test_import_is_light():
    code = (
        "import sys, behavert.analysis as a; "
        "bad = [m for m in ('torch', 'napari', 'qtpy', 'behavert.model') "
        "if m in sys.modules]; "
        "assert not bad, bad; "
        "assert all(hasattr(a, n) for n in a.__all__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
