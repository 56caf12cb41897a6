"""Peak memory of a process and its worker processes (Linux, stdlib only).

Used inside both venvs (BehaVERT's and LISBET's, whose data loaders fork worker
processes that a parent's VmHWM does not see). ``TreePeak`` samples the PSS
(proportional set size: shared pages split between the processes that share
them, so forked workers are not counted twice) of the process and all its
descendants every ``interval`` seconds and keeps the largest sum.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path


def status_mb(field: str) -> float:
    """A ``/proc/self/status`` memory field (``VmRSS``, ``VmHWM``) in MB."""
    with open("/proc/self/status", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def reset_hwm() -> bool:
    """Reset this process's RSS high-water mark to its current RSS (Linux 4+)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="utf-8") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _pss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def tree_pss_mb(pid: int | None = None) -> tuple[float, int]:
    """PSS (MB) of ``pid`` (default: this process) and its descendants; count."""
    todo, seen, total = [pid or os.getpid()], set(), 0.0
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _pss_mb(p)
        todo += _children(p)
    return total, len(seen)


class TreePeak:
    """``with TreePeak() as peak: ...``; then ``peak.mb``, ``peak.processes``."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.mb, self.processes = 0.0, 1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        mb, n = tree_pss_mb()
        if mb > self.mb:
            self.mb = mb
        self.processes = max(self.processes, n)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> TreePeak:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
