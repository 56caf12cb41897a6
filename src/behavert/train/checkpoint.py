"""Atomic training checkpoints: model, tokenizer, optimizer, scheduler, RNG, step.

A checkpoint is a folder ``<out>/checkpoint-<step>`` (``checkpoint-<step>-<phase>``
when another phase's checkpoint has that name) holding

* the model (``save_pretrained``: ``config.json`` + ``model.safetensors``),
* ``tokenizer.json`` (``PoseTokenizer.save``),
* ``training_state.pt``: optimizer and scheduler state dicts, RNG states (all
  stored as tensors) and the step, written with ``torch.save`` and read back
  with ``torch.load(weights_only=True)`` (no arbitrary unpickling),
* ``trainer.json``: the step and JSON-friendly extras (phase, config, metrics,
  the run's fingerprint: ``behavert.train.run_folder``).

It is written to a temporary folder in the same parent and renamed into place
(``atomic_dir``: files follow the umask), so a crash (even SIGKILL) leaves
either the previous or the new checkpoint, never a half-written one. Older
checkpoints of the same phase are deleted after the new one is in place
(``keep`` most recent are kept); checkpoints of other phases are left alone.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import ModelFileError
from ..io.atomic import atomic_dir, atomic_path

__all__ = [
    "STATE_FILE",
    "capture_rng_state",
    "find_last_checkpoint",
    "load_checkpoint_state",
    "load_weights",
    "restore_rng_state",
    "save_checkpoint",
    "write_json_atomic",
]

STATE_FILE = "training_state.pt"
TRAINER_FILE = "trainer.json"
_NAME = re.compile(r"^checkpoint-(\d+)(-\w+)?$")
_WORD = re.compile(r"\W")


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON to ``path`` through a temporary file and ``os.replace``."""
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True, default=_json_default)
        f.flush()
        os.fsync(f.fileno())


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")


# ------------------------------------------------------------------- RNG state
def capture_rng_state() -> dict[str, torch.Tensor]:
    """torch (CPU and CUDA), numpy and Python RNG states as tensors."""
    state: dict[str, torch.Tensor] = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.stack([s for s in torch.cuda.get_rng_state_all()])
    _, keys, pos, has_gauss, gauss = np.random.get_state()
    state["numpy_keys"] = torch.from_numpy(np.asarray(keys, dtype=np.int64))
    state["numpy_rest"] = torch.tensor([pos, has_gauss], dtype=torch.int64)
    state["numpy_gauss"] = torch.tensor([gauss], dtype=torch.float64)
    version, internal, gauss_next = random.getstate()
    state["python"] = torch.tensor([version, *internal], dtype=torch.int64)
    state["python_gauss"] = torch.tensor(
        [float("nan") if gauss_next is None else gauss_next], dtype=torch.float64
    )
    return state


def restore_rng_state(state: dict[str, torch.Tensor]) -> None:
    """Inverse of :func:`capture_rng_state` (missing entries are skipped)."""
    if "torch" in state:
        torch.set_rng_state(state["torch"].to(torch.uint8).cpu())
    if "cuda" in state and torch.cuda.is_available():
        saved = list(state["cuda"].to(torch.uint8).cpu())
        if len(saved) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(saved)
    if "numpy_keys" in state:
        pos, has_gauss = (int(v) for v in state["numpy_rest"].tolist())
        np.random.set_state(
            (
                "MT19937",
                state["numpy_keys"].numpy().astype(np.uint32),
                pos,
                has_gauss,
                float(state["numpy_gauss"][0]),
            )
        )
    if "python" in state:
        values = [int(v) for v in state["python"].tolist()]
        gauss = float(state["python_gauss"][0])
        random.setstate(
            (values[0], tuple(values[1:]), None if np.isnan(gauss) else gauss)
        )


# ------------------------------------------------------------------ save/load
def save_checkpoint(
    out: str | Path,
    *,
    step: int,
    model: Any,
    tokenizer: Any,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    state: dict[str, Any] | None = None,
    info: dict[str, Any] | None = None,
    keep: int = 1,
    replace_all: bool = False,
) -> Path:
    """Write ``<out>/checkpoint-<step>`` atomically and prune older ones.

    Parameters
    ----------
    out
        The run's output folder.
    step
        Optimisation steps done so far.
    model
        A ``PreTrainedModel`` (unwrapped).
    tokenizer
        Object with ``save(folder)`` writing ``tokenizer.json``.
    optimizer, scheduler
        Their ``state_dict()`` are saved.
    state
        Extra training state: tensors, numbers, strings and nested
        lists/dicts of them (``torch.load(weights_only=True)``-safe).
    info
        JSON-friendly description written to ``trainer.json``.
    keep
        How many most recent checkpoints of the same phase (``info["phase"]``)
        to keep (>= 1).
    replace_all
        Remove every other checkpoint, of any phase (a run started afresh
        over another one's: ``overwrite``).

    Returns
    -------
    pathlib.Path
        The new checkpoint folder.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    phase = (info or {}).get("phase")
    final = out / f"checkpoint-{step:08d}"
    if final.exists() and _phase(final) != phase:  # another phase's: keep it
        final = out / f"checkpoint-{step:08d}-{_WORD.sub('_', str(phase))}"
    with atomic_dir(final, prefix=f".tmp-checkpoint-{step:08d}-") as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save(tmp)
        payload = {
            "step": torch.tensor(step, dtype=torch.int64),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict() if scheduler is not None else {},
            "rng": capture_rng_state(),
            "state": state or {},
        }
        with open(tmp / STATE_FILE, "wb") as f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())
        write_json_atomic(tmp / TRAINER_FILE, {"step": step, **(info or {})})
    if replace_all:
        old = [p for p in _checkpoints(out) if p != final]
    else:
        same = [p for p in _checkpoints(out) if _phase(p) == phase]
        old = [p for p in same[:-keep] if p != final]
    for folder in old:
        shutil.rmtree(folder, ignore_errors=True)
    for stale in [*out.glob(".tmp-checkpoint-*"), *out.glob(".checkpoint-*.old-*")]:
        shutil.rmtree(stale, ignore_errors=True)  # left by a killed run
    return final


def _phase(folder: Path) -> str | None:
    """The phase in a checkpoint's trainer.json (None: unreadable)."""
    try:
        return json.loads((folder / TRAINER_FILE).read_text()).get("phase")
    except (OSError, ValueError, AttributeError):
        return None


def _checkpoints(out: Path) -> list[Path]:
    found = []
    for p in Path(out).iterdir() if Path(out).is_dir() else []:
        m = _NAME.match(p.name)
        if m and p.is_dir() and (p / STATE_FILE).is_file():
            found.append((int(m.group(1)), p))
    return [p for _, p in sorted(found)]


def find_last_checkpoint(out: str | Path, phase: str | None = None) -> Path | None:
    """The most recent complete checkpoint in ``out`` (of ``phase``), or None."""
    found = _checkpoints(Path(out))
    if phase is not None:
        found = [p for p in found if _phase(p) == phase]
    return found[-1] if found else None


def load_checkpoint_state(folder: str | Path) -> dict[str, Any]:
    """Read ``training_state.pt`` safely (``weights_only=True``).

    Returns
    -------
    dict
        ``step`` (int), ``optimizer``, ``scheduler``, ``rng``, ``state`` and
        ``info`` (``trainer.json``).

    Raises
    ------
    ModelFileError
        When the folder or its state file is missing or unreadable.
    """
    folder = Path(folder)
    path = folder / STATE_FILE
    if not path.is_file():
        raise ModelFileError(folder, f"the checkpoint has no {STATE_FILE}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # corrupt or tampered file
        raise ModelFileError(path, f"cannot read the training state: {e}") from e
    try:
        info = json.loads((folder / TRAINER_FILE).read_text())
    except (OSError, ValueError):
        info = {}
    payload["step"] = int(payload["step"])
    payload["info"] = info
    return payload


def load_weights(model: Any, folder: Path) -> None:
    """Load a checkpoint's ``model.safetensors`` into ``model`` (shapes must fit).

    Raises
    ------
    RuntimeError
        When the checkpoint misses weights of the model or has others.
    """
    from safetensors.torch import load_file

    state = load_file(str(Path(folder) / "model.safetensors"))
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if "position_ids" not in m]:
        raise RuntimeError(
            f"{folder}: checkpoint does not fit the model "
            f"(missing {missing[:3]}, unexpected {unexpected[:3]})"
        )
