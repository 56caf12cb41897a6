"""Packaging hygiene: the version, the licence, no placeholder URLs, and the
linters of the pre-commit configuration (CI runs them through this test)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import behavert

ROOT = Path(__file__).resolve().parents[1]


def test_version_flag_prints_the_package_version():
    exe = Path(sys.executable).parent / "behavert"
    done = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
    assert done.returncode == 0
    installed = metadata.version("napari-behavert")  # what pip installed
    assert done.stdout.strip() == f"behavert {installed}"
    assert installed.split(".")[0].isdigit() and behavert.__version__


def test_licence_is_an_spdx_string_and_no_url_is_a_placeholder():
    text = (ROOT / "pyproject.toml").read_text()
    assert '\nlicense = "BSD-3-Clause"\n' in text  # PEP 639: an SPDX expression
    assert (ROOT / "LICENSE").is_file()
    assert "example.invalid" not in text and "example.com" not in text
    assert (ROOT / "CHANGELOG.md").read_text().startswith("# Changelog")


@pytest.mark.parametrize(
    "command", [["check", "src", "tests"], ["format", "--check", "src", "tests"]]
)
def test_linters_of_the_pre_commit_configuration_pass(command):
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert ruff, "ruff is part of the dev extra"
    config = (ROOT / ".pre-commit-config.yaml").read_text()
    assert f"entry: ruff {command[0]}" in config
    done = subprocess.run([ruff, *command], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
