"""Run folders that protect the user's work: checks, a lock and run fingerprints.

Every training entry point (``pretrain``, ``finetune_*``, ``transfer``, so the
command line and the napari docks too) writes into an ``out`` folder through
``train_task``, which holds it with :func:`hold_out_folder`:

* ``out`` must not be the initial run's folder, lie inside it or contain it
  (``train --init RUN --out RUN`` would replace the pretrained model);
* ``out`` is created and a probe file written *before* training, so a folder
  that cannot be written fails at once, not after the last step;
* a finished run (``out/model``) is never trained over without ``overwrite``;
* a lock file (``fcntl.flock``, holding the pid) keeps a second run out while
  one is writing; the kernel releases it when the process ends, even on
  SIGKILL, so a stale lock file never blocks;
* every checkpoint stores a :func:`fingerprint` of its run (phase, model
  configuration, tokenizer statistics, data, training settings); a checkpoint
  is resumed only when it matches, else :func:`check_resumable` says which
  field differs.

Every refusal is a `RunFolderError` naming the folder and the ways out
(``--overwrite`` or another folder).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RunFolderError, TrainingDivergedError

try:  # POSIX; elsewhere runs are not locked (logged)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

__all__ = [
    "LOCK_FILE",
    "check_finite",
    "check_out_folder",
    "check_resumable",
    "data_fingerprint",
    "fingerprint",
    "hold_out_folder",
    "init_folder",
    "run_lock",
]

LOCK_FILE = ".behavert.lock"
WAYS_OUT = (
    "start afresh with --overwrite (the Overwrite box in napari, overwrite=True "
    "in Python), or choose a new folder"
)

#: BehavertConfig fields that make two runs' models different
MODEL_FIELDS = (
    "feature_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
    "intermediate_size", "max_position_embeddings", "window", "stride",
    "frame_labels", "sequence_labels", "multi_label", "pretrain_loss", "hidden_act",
)  # fmt: skip
#: TrainConfig fields that change what a run computes (device, logging,
#: checkpoint and evaluation intervals do not)
TRAINING_FIELDS = (
    "lr", "batch_size", "seed", "warmup_steps", "weight_decay", "mask_ratio",
    "mask_mode", "span_length", "hide_animal", "grad_clip", "freeze_encoder_steps",
    "encoder_lr_scale", "augment", "label_smoothing", "class_weights", "dropout",
    "val_fraction", "val_blocks",
)  # fmt: skip

#: locks held by this process: (lock file, thread) -> [fd, depth]
_HELD: dict[tuple[str, int], list[int]] = {}


# ------------------------------------------------------------------ checks
def init_folder(init: Any) -> Path | None:
    """The folder an initial run came from: a path, or a ``TrainedRun.out``."""
    if init is None:
        return None
    if isinstance(init, (str, os.PathLike)):
        return Path(init)
    out = getattr(init, "out", None)
    return Path(out) if isinstance(out, (str, os.PathLike)) else None


def _check_not_init(out: Path, init: Path) -> None:
    """Refuse ``out`` equal to, inside or around the initial run's folder."""
    a, b = out.resolve(), init.resolve()
    if a == b or a.is_relative_to(b) or b.is_relative_to(a):
        where = "is" if a == b else ("is inside" if a.is_relative_to(b) else "holds")
        raise RunFolderError(
            out,
            f"{where} the folder of the initial run {init}: training there would "
            f"replace or mix with the model it starts from; choose an output folder "
            f"outside {init}",
        )


def _make_writable_folder(out: Path) -> Path | None:
    """Create ``out`` and write a probe file in it (RunFolderError when not).

    Returns the topmost folder this created (None: ``out`` existed).
    """
    if out.exists() and not out.is_dir():
        raise RunFolderError(out, "is a file, not a folder; choose an output folder")
    created = None
    for folder in (out, *out.parents):
        if folder.exists():
            break
        created = folder
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".behavert-write-test-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        why = error.strerror or str(error)
        raise RunFolderError(
            out, f"cannot be written ({why}); choose a folder you can write to"
        ) from error
    return created


def check_out_folder(
    out: str | Path, *, overwrite: bool = False, init: Any = None, keep: bool = False
) -> Path:
    """Check that a run may write into ``out`` (creating it); return it.

    Parameters
    ----------
    out
        The run's output folder.
    overwrite
        Allow a finished run in ``out`` (``out/model``) to be replaced.
    init
        The initial run (a folder, or a ``TrainedRun`` with ``out``): ``out``
        must not be it, lie inside it or contain it.
    keep
        Keep ``out`` when this created it (False: a check before any work
        leaves no empty folder behind when the command then fails).

    Raises
    ------
    RunFolderError
        When ``out`` overlaps ``init``, cannot be written, holds a finished run
        (without ``overwrite``) or is locked by another running job.
    """
    out = Path(out)
    source = init_folder(init)
    if source is not None:
        _check_not_init(out, source)
    created = _make_writable_folder(out)
    if created is not None:
        if not keep:
            with contextlib.suppress(OSError):  # another process's files: keep
                for folder in (out, *out.parents):
                    folder.rmdir()
                    if folder == created:
                        break
        return out
    if (out / "model").exists() and not overwrite:
        raise RunFolderError(
            out,
            f"holds a finished run ({out / 'model'}); training again would "
            f"replace it: {WAYS_OUT}",
        )
    if _lock_key(out) not in _HELD:
        with run_lock(out):  # fails now if another job writes there
            pass
    return out


# -------------------------------------------------------------------- lock
def _lock_key(out: Path) -> tuple[str, int]:
    return os.path.realpath(out / LOCK_FILE), threading.get_ident()


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 64, 0).decode(errors="replace").strip()
    except OSError:
        text = ""
    return f"pid {text}" if text.isdigit() else "pid unknown"


@contextlib.contextmanager
def run_lock(out: str | Path) -> Iterator[None]:
    """Hold ``out/.behavert.lock`` (re-entrant in one thread).

    In a distributed launch only rank 0 (the process that writes) locks.

    Raises
    ------
    RunFolderError
        At once, when another process (or thread) holds the lock.
    """
    out = Path(out)
    key = _lock_key(out)
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield
        finally:
            _HELD[key][1] -= 1
        return
    if int(os.environ.get("RANK", "0")) != 0:  # rank 0 locks for all
        yield
        return
    if fcntl is None:  # pragma: no cover - Windows
        log.warning("no file locking on this platform: %s is not locked", out)
        yield
        return
    fd = os.open(key[0], os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        holder = _holder(fd)
        os.close(fd)
        raise RunFolderError(
            out,
            f"another behavert run ({holder}) is writing to this folder; wait for "
            "it to end or choose another output folder",
        ) from error
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _HELD[key] = [fd, 1]
        yield
    finally:
        _HELD.pop(key, None)
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # releases the flock


@contextlib.contextmanager
def hold_out_folder(
    out: str | Path, *, overwrite: bool = False, init: Any = None
) -> Iterator[Path]:
    """:func:`check_out_folder`, then hold :func:`run_lock` for the block."""
    out = check_out_folder(out, overwrite=overwrite, init=init, keep=True)
    with run_lock(out):
        yield out


# ------------------------------------------------------------- fingerprints
def _rounded(value: float) -> float:
    """6 significant digits: the same data gives the same number everywhere."""
    return float(f"{float(value):.6g}")


def data_fingerprint(
    features: Sequence[np.ndarray], targets: Sequence[Any] | None = None
) -> dict[str, Any]:
    """A cheap fingerprint of a run's data: counts and sums.

    Parameters
    ----------
    features
        One ``(time, feature)`` array per recording.
    targets
        Labels: one array per recording, or one class index per recording.
    """
    total = sum(float(np.nansum(np.asarray(f, dtype=np.float64))) for f in features)
    found: dict[str, Any] = {
        "recordings": len(features),
        "frames": int(sum(len(f) for f in features)),
        "feature_sum": _rounded(total),
    }
    if targets is not None:
        arrays = [np.asarray(t, dtype=np.float64) for t in targets]
        found["label_sum"] = _rounded(sum(float(np.nansum(a)) for a in arrays))
    return found


def _tokenizer_hash(tokenizer: Any) -> str | None:
    to_dict = getattr(tokenizer, "to_dict", None)
    if to_dict is None:
        return None
    text = json.dumps(to_dict(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprint(
    phase: str, model: Any, tokenizer: Any, data: Any, config: Any, total: int
) -> dict[str, Any]:
    """What makes a run this run (stored in every checkpoint's trainer.json).

    Parameters
    ----------
    phase
        The task's phase.
    model
        The model before training (architecture, sizes, window and the sum of
        its initial weights: another initial run gives another sum).
    tokenizer
        Its statistics are hashed.
    data
        :func:`data_fingerprint` of the task (``Task.info["data"]``).
    config
        The ``TrainConfig``.
    total
        Steps planned.
    """
    config_of = getattr(model, "config", None)
    settings = config_of.to_dict() if hasattr(config_of, "to_dict") else {}
    weights = sum(float(p.detach().double().abs().sum()) for p in model.parameters())
    training = {name: getattr(config, name) for name in TRAINING_FIELDS}
    training["augment"] = list(training["augment"])
    return {
        "phase": phase,
        "model": {
            "architecture": type(model).__name__,
            **{k: settings.get(k) for k in MODEL_FIELDS},
        },
        "tokenizer": _tokenizer_hash(tokenizer),
        "data": data,
        "training": {"total_steps": int(total), **training},
        "initial_weights": _rounded(weights),
    }


def _differences(saved: Any, current: Any, prefix: str = "") -> list[str]:
    """``"name: was X, now Y"`` for every differing leaf."""
    if isinstance(saved, dict) and isinstance(current, dict):
        found = []
        for key in sorted(set(saved) | set(current)):
            name = f"{prefix}.{key}" if prefix else str(key)
            found += _differences(saved.get(key), current.get(key), name)
        return found
    if saved == current:
        return []
    if prefix == "tokenizer":
        return ["the tokenizer's statistics (fitted on other recordings?)"]
    if prefix == "initial_weights":
        return ["the initial weights (another initial run or keypoint mapping)"]
    return [f"{prefix} (was {saved!r}, now {current!r})"]


def check_resumable(
    checkpoint: Path, saved: dict | None, current: dict, *, resume: bool = True
) -> None:
    """Refuse to resume ``checkpoint`` unless its fingerprint is ``current``.

    Raises
    ------
    RunFolderError
        Naming the checkpoint, what differs and the ways out.
    """
    if not resume:
        raise RunFolderError(
            checkpoint.parent,
            f"holds checkpoints of an unfinished run ({checkpoint.name}) and "
            f"resume=False would replace them: {WAYS_OUT}",
        )
    if saved is None:
        why = ["it has no run fingerprint (written by an older behavert)"]
    else:
        why = _differences(saved, current)
    if why:
        raise RunFolderError(
            checkpoint,
            "belongs to another run, so it cannot be resumed; it differs in "
            f"{'; '.join(why)}. To keep it, rerun with the same data and settings; "
            f"else {WAYS_OUT}",
        )


# ----------------------------------------------------------------- weights
def check_finite(model: Any, what: str) -> None:
    """Raise `TrainingDivergedError` when a weight of ``model`` is NaN or inf."""
    import torch

    bad = [name for name, p in model.named_parameters() if not torch.isfinite(p).all()]
    if bad:
        raise TrainingDivergedError(
            f"training diverged: {len(bad)} weight tensors (e.g. {bad[0]}) are not "
            f"finite, so {what} was not written; try a lower learning rate (--lr)"
        )


def check_loss(
    loss: float, step: int, total: int, phase: str, lr: float, kept: Path | None
) -> None:
    """Raise `TrainingDivergedError` when the loss of ``step`` is not finite.

    ``kept`` is the last good checkpoint (named in the message), if any.
    """
    if not math.isfinite(loss):
        last = f"the last good checkpoint {kept} is kept" if kept else "no checkpoint"
        raise TrainingDivergedError(
            f"training diverged: the {phase} loss is {loss} at step {step} of "
            f"{total}; nothing from this step on was saved ({last}); try a lower "
            f"learning rate (--lr, now {lr:g})"
        )
