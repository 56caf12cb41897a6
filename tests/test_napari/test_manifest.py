"""Tests of the npe2 manifest ``napari.yaml`` (editable install and built wheel)."""

from __future__ import annotations

import importlib
import importlib.resources
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from npe2 import PluginManifest

REPO = Path(__file__).resolve().parents[2]


def _check(manifest: PluginManifest) -> None:
    assert manifest.name == "napari-behavert"
    assert manifest.display_name == "BehaVERT"
    contributions = manifest.contributions
    (reader,) = contributions.readers
    assert sorted(reader.filename_patterns) == ["*.csv", "*.h5", "*.slp"]
    assert reader.accepts_directories is False
    widgets = [w.display_name for w in contributions.widgets]
    assert widgets == [
        "Workflow",  # every step in one dock (issue 13), then each step alone
        "Import poses",
        "Annotate behaviour",
        "Pretrain",
        "Train classifier",
        "Classify",
        "Analyze",
        "Timeline",
        "Embedding map",
    ]
    commands = {c.id for c in contributions.commands}
    assert all(w.command in commands for w in contributions.widgets)
    assert [s.display_name for s in contributions.sample_data] == [
        "Synthetic two-mouse recording"
    ]


def test_single_docks_are_the_step_widgets_fitted_to_a_laptop():
    """Each menu dock is its step's widget class (what other code and tests use)."""
    from behavert.napari.widgets import (
        analyze,
        annotate,
        classify,
        embedding,
        import_widget,
        pretrain,
        timeline,
        train,
    )

    manifest = PluginManifest.from_distribution("napari-behavert")
    commands = {c.id: c for c in manifest.contributions.commands}
    classes = {}
    for widget in manifest.contributions.widgets:
        module, _, name = commands[widget.command].python_name.partition(":")
        classes[widget.display_name] = getattr(importlib.import_module(module), name)
    expected = {
        "Import poses": import_widget.ImportPosesWidget,
        "Annotate behaviour": annotate.AnnotateWidget,
        "Pretrain": pretrain.PretrainWidget,
        "Train classifier": train.TrainClassifierWidget,
        "Classify": classify.ClassifyWidget,
        "Analyze": analyze.AnalyzeWidget,
        "Timeline": timeline.TimelineWidget,
        "Embedding map": embedding.EmbeddingWidget,
    }
    for name, base in expected.items():
        assert issubclass(classes[name], base), name
    assert classes["Workflow"].__name__ == "WorkflowWidget"


def test_installed_manifest_resolves_and_validates():
    resource = importlib.resources.files("behavert") / "napari.yaml"
    assert resource.is_file()
    manifest = PluginManifest.from_file(str(resource))
    _check(manifest)
    manifest.validate_imports()  # every python_name imports


def test_manifest_found_through_entry_point():
    manifest = PluginManifest.from_distribution("napari-behavert")
    _check(manifest)


def test_package_manifest_is_a_link_to_the_root_one():
    link = REPO / "src" / "behavert" / "napari.yaml"
    assert link.is_symlink()
    assert link.resolve() == (REPO / "napari.yaml").resolve()


def test_npe2_validate_command():
    npe2 = Path(sys.executable).with_name("npe2")
    result = subprocess.run(
        [str(npe2), "validate", "napari-behavert"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout


def test_built_wheel_carries_a_valid_manifest(tmp_path):
    """Build a wheel from a copy of the sources (the tree's _version.py is never
    rewritten); no setuptools deprecation warning; install it aside; validate.

    About 8 s (under the 20 s that would make it ``slow``).
    """
    pytest.importorskip("build")
    src = tmp_path / "src_copy"
    src.mkdir()
    for name in ["pyproject.toml", "README.md", "LICENSE", "napari.yaml"]:
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(
        REPO / "src",
        src / "src",
        symlinks=True,
        ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", "_version.py"),
    )
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation"]
        + ["--skip-dependency-check", "--outdir", str(dist), str(src)],
        capture_output=True,
        text=True,
    )
    log = built.stdout + built.stderr
    assert built.returncode == 0, log[-3000:]
    assert "deprecat" not in log.lower(), log  # no setuptools deprecation warning
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "behavert/napari.yaml" in names
        shipped = archive.read("behavert/napari.yaml")
        (entry_points,) = [n for n in names if n.endswith("entry_points.txt")]
        assert b"napari-behavert = behavert:napari.yaml" in archive.read(entry_points)
    assert shipped == (REPO / "napari.yaml").read_bytes()  # the link was followed

    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet"]
        + ["--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    code = (
        "import behavert, sys; from npe2 import PluginManifest;"
        "m = PluginManifest.from_distribution('napari-behavert');"
        "print(behavert.__file__); print(m.name)"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    module_file, name = result.stdout.split()
    assert Path(module_file).is_relative_to(target)  # the wheel's copy was used
    assert name == "napari-behavert"
    npe2 = Path(sys.executable).with_name("npe2")
    validated = subprocess.run(
        [str(npe2), "validate", "napari-behavert"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr
