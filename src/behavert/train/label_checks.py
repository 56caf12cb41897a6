"""Checks of what a classifier is asked to learn, before any step is trained.

A behaviour that is never present, one present in every labelled frame, or a
sequence task with a single group all used to train into a meaningless model
without a word. Each is now a `LabelWarning` with its counts (training goes
on: a quick check on a small subset is legitimate); labels without a single
labelled frame are an error.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence

import numpy as np

from ..errors import ConfigError, LabelWarning

__all__ = ["check_frame_classes", "check_groups"]


def _where(paths: Sequence) -> str:
    named = [str(p) for p in paths if p is not None]
    if not named:
        return "the labels"
    return named[0] if len(named) == 1 else f"{named[0]} (+{len(named) - 1} more)"


def check_frame_classes(
    targets: Sequence[np.ndarray],
    names: Sequence[str],
    multi: bool,
    paths: Sequence = (),
) -> None:
    """Refuse labels without a labelled frame; warn about unlearnable classes.

    Parameters
    ----------
    targets
        Per recording: ``(time,)`` class indices (-100 or <0: ignored) or, for
        multi-label, ``(time, class)`` 0/1 values (<0: not scored).
    names
        Class names (with the background class for single-label targets).
    multi
        Multi-label targets.
    paths
        The label files, named in the messages.

    Raises
    ------
    ConfigError
        No labelled frame.
    """
    where = _where(paths)
    if multi:
        stacked = np.concatenate([np.asarray(t, dtype=float) for t in targets])
        scored = stacked >= 0
        present = ((stacked > 0.5) & scored).sum(0)
        total = scored.sum(0)
        if not total.any():
            raise ConfigError(f"{where}: no frame is labelled; nothing to train on")
        for name, pos, n in zip(names, present, total):
            if pos == 0 or pos == n:
                state = "never present in any" if pos == 0 else "present in every"
                warnings.warn(
                    f"{where}: behaviour {name!r} is {state} labelled frame "
                    f"({int(pos)} of {int(n)} frames have it): the model cannot "
                    "learn to tell it apart; label frames with and without it, "
                    "or leave it out",
                    LabelWarning,
                    stacklevel=3,
                )
        return
    flat = np.concatenate([np.asarray(t).ravel() for t in targets])
    flat = flat[flat >= 0]
    if flat.size == 0:
        raise ConfigError(f"{where}: no frame is labelled; nothing to train on")
    counts = np.bincount(flat.astype(np.int64), minlength=len(names))
    if (counts > 0).sum() < 2:
        only = names[int(np.argmax(counts))]
        warnings.warn(
            f"{where}: every one of the {flat.size} labelled frames is {only!r}; "
            "the model can only learn to answer that (label frames of other "
            "classes)",
            LabelWarning,
            stacklevel=3,
        )
        return
    never = [n for n, c in zip(names, counts) if c == 0]
    if never:
        warnings.warn(
            f"{where}: {len(never)} of {len(names)} classes never occur in "
            f"{flat.size} labelled frames ({', '.join(map(repr, never))}); the "
            "model cannot learn them",
            LabelWarning,
            stacklevel=3,
        )


def check_groups(groups: Sequence[str], where: str | None = None) -> None:
    """Warn about a sequence task with one group, or a group of one recording."""
    counts = Counter(groups)
    label = where or "the group table"
    if len(counts) < 2:
        only = next(iter(counts), "?")
        warnings.warn(
            f"{label}: all {len(groups)} recordings are in group {only!r}; the "
            "classifier can only learn to answer that (add recordings of "
            "another group)",
            LabelWarning,
            stacklevel=3,
        )
        return
    lonely = sorted(g for g, n in counts.items() if n == 1)
    if lonely:
        warnings.warn(
            f"{label}: group(s) {', '.join(map(repr, lonely))} have a single "
            "recording; a classifier learns little from one example",
            LabelWarning,
            stacklevel=3,
        )
