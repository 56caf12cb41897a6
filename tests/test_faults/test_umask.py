"""Everything behavert writes follows the umask, like any file the user makes:
0644 files and 0755 folders under umask 022, 0664 / 0775 under 002 (a lab's
shared group). tempfile alone gives 0600 / 0700 whatever the umask."""

from __future__ import annotations

import os
import stat

import pytest
from faults_helpers import TINY

from behavert.cli import app


def _modes(folder) -> dict[str, int]:
    found = {str(folder): stat.S_IMODE(folder.stat().st_mode)}
    for path in folder.rglob("*"):
        if path.name == ".behavert.lock":
            continue
        found[str(path.relative_to(folder))] = stat.S_IMODE(path.stat().st_mode)
    return found


@pytest.fixture
def umask():
    before = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(before)


@pytest.mark.parametrize("mask", [0o022, 0o002])
def test_outputs_follow_the_umask(mask, umask, corpus, tmp_path):
    umask(mask)
    pre, run = tmp_path / "pre", tmp_path / "run"
    assert app(["pretrain", str(corpus.poses), "--out", str(pre), *TINY]) == 0
    args = ["train", str(corpus.poses), "--labels", str(corpus.labels), *TINY]
    assert app([*args, "--init", str(pre), "--out", str(run)]) == 0
    out = tmp_path / "predicted"
    assert app(["predict", str(run), str(corpus.poses), "--out", str(out)]) == 0
    assert app(["embed", str(pre), str(corpus.poses), "--out", str(out)]) == 0
    report = tmp_path / "report"
    argv = ["analyze", str(pre), str(corpus.poses), "--out", str(report)]
    assert app([*argv, "--n-motifs", "3", "--no-attribution"]) == 0
    seen = 0
    for folder in (pre, run, out, report):
        for name, mode in _modes(folder).items():
            is_dir = (folder / name).is_dir() if name != str(folder) else True
            want = (0o777 if is_dir else 0o666) & ~mask
            assert mode == want, f"{folder}/{name}: {oct(mode)} != {oct(want)}"
            seen += 1
    assert seen > 20  # model, tokenizer, checkpoints, tables, figures
