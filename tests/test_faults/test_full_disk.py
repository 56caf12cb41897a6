"""A full disk or a file-size limit hit mid-write: exit code 1, a one-line
message naming the file, no half-written output, and what was there before
left intact. The limit is a real RLIMIT_FSIZE on a ``behavert`` subprocess
(root is bound by it too), so every writer of the product meets it."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

from faults_helpers import TINY


def _limited(limit: int):
    def apply() -> None:  # in the child, before exec
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _behavert(argv, limit: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).parent / "behavert"), *map(str, argv)],
        capture_output=True,
        text=True,
        preexec_fn=_limited(limit),
        env={**os.environ, "TQDM_DISABLE": "1"},
        timeout=600,
    )


def _leftovers(folder) -> list[str]:
    """Temporary files or folders left behind (the run's lock file is not one)."""
    hidden = (p.name for p in folder.rglob("*") if p.name.startswith("."))
    return sorted(n for n in hidden if n != ".behavert.lock")


def test_prediction_hitting_a_size_limit_keeps_the_old_file(corpus, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    done = _behavert(["predict", corpus.run, corpus.poses, "--out", out], 10**9)
    assert done.returncode == 0, done.stderr
    (old,) = out.glob("*_behaviour.csv")
    before = old.read_bytes()
    assert len(before) > 4000
    failed = _behavert(["predict", corpus.run, corpus.poses, "--out", out], 2000)
    assert failed.returncode == 1, failed.stderr
    assert "Traceback" not in failed.stderr
    assert old.name in failed.stderr and "file-size limit" in failed.stderr
    assert old.read_bytes() == before  # the previous output is untouched
    assert _leftovers(out) == []  # no temporary file left behind


def test_pretraining_hitting_a_size_limit_saves_nothing_broken(corpus, tmp_path):
    run = tmp_path / "run"
    failed = _behavert(["pretrain", corpus.poses, "--out", run, *TINY], 200_000)
    assert failed.returncode == 1, failed.stderr
    assert "Traceback" not in failed.stderr
    assert "file-size limit" in failed.stderr and str(run) in failed.stderr
    assert not (run / "model").exists()
    assert not run.exists() or _leftovers(run) == []
