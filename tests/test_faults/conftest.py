"""Fixtures of the bad-input corpus: tiny trained runs on clean files."""

from __future__ import annotations

from pathlib import Path

import pytest
from faults_helpers import ETHOME, TINY, Corpus

from behavert.cli import app
from behavert.datasets.synthetic import generate_synthetic, labels_frame
from behavert.io.save import save_dlc


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Corpus:
    """A synthetic DLC CSV with labels, a tiny frame run and a pretrained run."""
    folder = tmp_path_factory.mktemp("corpus")
    rec = generate_synthetic(300, genotype="wt", seed=5)
    poses = save_dlc(rec.poses, folder / "synthetic_wtDLC_corpus.csv")
    labels = folder / "synthetic_wt_labels.csv"
    labels_frame(rec).to_csv(labels, index=False)
    run, pretrained = folder / "run", folder / "pre"
    assert app(["pretrain", str(poses), "--out", str(pretrained), *TINY]) == 0
    args = ["train", str(poses), "--labels", str(labels), "--out", str(run)]
    assert app([*args, *TINY]) == 0
    return Corpus(folder, Path(poses), labels, run, pretrained)


@pytest.fixture(scope="session")
def ethome_run(tmp_path_factory, shared_data):
    """A tiny frame classifier of ``interact`` on the real ethome session."""
    folder = shared_data / ETHOME
    poses = next(folder.glob("*DLC*_el_filtered.csv"))
    boris = next(folder.glob("*_reencode.csv"))
    out = tmp_path_factory.mktemp("ethome") / "run"
    args = ["train", poses, "--labels", boris, "--out", out, *TINY]
    assert app([str(a) for a in args]) == 0
    return {"poses": poses, "boris": boris, "run": out}
