"""A trained run on disk: model + tokenizer + ``meta.json``, written atomically.

Layout of a run folder::

    config.json  model.safetensors   # save_pretrained (safetensors)
    tokenizer.json                   # PoseTokenizer.save
    meta.json                        # task, class names, window, stride, metrics
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import ModelFileError
from .checkpoint import write_json_atomic

__all__ = [
    "META_FILE",
    "load_run",
    "model_class",
    "resolve_run",
    "save_result",
    "save_run",
]

META_FILE = "meta.json"
TOKENIZER_FILE = "tokenizer.json"


def _model_classes() -> dict[str, type]:
    from ..model import (
        BehavertForFrameClassification,
        BehavertForMaskedPoseModeling,
        BehavertForSequenceClassification,
        BehavertModel,
    )

    return {
        c.__name__: c
        for c in (
            BehavertModel,
            BehavertForMaskedPoseModeling,
            BehavertForFrameClassification,
            BehavertForSequenceClassification,
        )
    }


def model_class(name: str) -> type:
    """The BehaVERT model class called ``name`` (e.g. from ``config.architectures``)."""
    classes = _model_classes()
    if name not in classes:
        raise KeyError(f"unknown BehaVERT model class {name!r}; known: {list(classes)}")
    return classes[name]


def _task_of(model: Any) -> str:
    name = type(model).__name__
    return {
        "BehavertForMaskedPoseModeling": "pretrain",
        "BehavertForFrameClassification": "frames",
        "BehavertForSequenceClassification": "sequences",
    }.get(name, "encoder")


def save_run(
    folder: str | Path, model: Any, tokenizer: Any, extra: dict[str, Any] | None = None
) -> Path:
    """Save a trained model, its tokenizer and ``meta.json`` into ``folder``.

    The folder is assembled next to its final place and renamed into it, so a
    crash leaves the previous run (or nothing), never a mix.

    Parameters
    ----------
    folder
        Destination; replaced if it exists.
    model
        A BehaVERT ``PreTrainedModel``.
    tokenizer
        The fitted ``PoseTokenizer``.
    extra
        JSON-friendly metadata merged into ``meta.json`` (e.g. ``metrics``,
        ``train_config``). ``task``, ``model_class``, ``frame_labels``,
        ``sequence_labels``, ``window`` and ``stride`` are filled from the model
        unless given.

    Returns
    -------
    pathlib.Path
        ``folder``.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    config = model.config
    meta = {
        "task": _task_of(model),
        "model_class": type(model).__name__,
        "frame_labels": list(getattr(config, "frame_labels", []) or []),
        "sequence_labels": list(getattr(config, "sequence_labels", []) or []),
        "window": int(getattr(config, "window", 0)),
        "stride": int(getattr(config, "stride", 0)),
        "multi_label": bool(getattr(config, "multi_label", False)),
        "metrics": {},
    }
    meta.update(extra or {})
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    old = None
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save(tmp)
        write_json_atomic(tmp / META_FILE, meta)
        if folder.exists():
            old = folder.parent / f".{folder.name}.old-{os.getpid()}"
            os.replace(folder, old)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not folder.exists():
            os.replace(old, folder)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return folder


def save_result(result: Any, train_config: Any, extra: dict | None = None) -> None:
    """Save a finished ``TrainedRun`` to ``<result.out>/model`` (main process only).

    Nothing is written for a run without ``out``, a cancelled run, or on a
    process other than rank 0 of a distributed launch. ``meta.json`` gets the
    run's metrics and ``train_config`` (``TrainConfig.to_dict()``).
    """
    if result.out is None or result.cancelled:
        return
    if int(os.environ.get("RANK", "0")) != 0:
        return
    save_run(
        Path(result.out) / "model",
        result.model,
        result.tokenizer,
        {
            "metrics": result.metrics,
            "train_config": train_config.to_dict(),
            **(extra or {}),
        },
    )


def resolve_run(path: str | Path) -> Path:
    """The saved-run folder a user means by ``path``: the one rule for every caller.

    A training ``out`` folder holds the finished run in ``model/``; a run
    folder (``save_run``) holds ``config.json``. Either is accepted, so
    ``behavert predict runs/frames`` and ``runs/frames/model`` are the same.

    Returns
    -------
    pathlib.Path
        ``path/model`` when ``path`` has no ``config.json`` but ``model/``
        does, else ``path`` (`load_run` reports what is missing).
    """
    path = Path(path)
    if (
        not (path / "config.json").is_file()
        and (path / "model" / "config.json").is_file()
    ):
        return path / "model"
    return path


def load_run(
    folder: str | Path, *, model_cls: type | None = None
) -> tuple[Any, Any, dict]:
    """Load a run saved by :func:`save_run` (or a checkpoint folder).

    Parameters
    ----------
    folder
        The run folder.
    model_cls
        Model class to load (default: ``meta.json``'s ``model_class``, else the
        ``architectures`` entry of ``config.json``).

    Returns
    -------
    tuple
        ``(model, tokenizer, meta)``; the model is in eval mode on the CPU.

    Raises
    ------
    ModelFileError
        Naming the folder when it, its model, tokenizer or meta file is
        missing or corrupt.
    """
    from ..data.tokenizer import PoseTokenizer

    folder = Path(folder)
    if not folder.is_dir():
        raise ModelFileError(folder, "is not a saved run (the folder does not exist)")
    meta: dict[str, Any] = {}
    meta_path = folder / META_FILE
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError) as e:
            raise ModelFileError(meta_path, f"corrupt meta.json: {e}") from e
        if not isinstance(meta, dict):
            raise ModelFileError(meta_path, "meta.json is not a JSON object")
    if model_cls is None:
        name = meta.get("model_class")
        if name is None:
            try:
                config = json.loads((folder / "config.json").read_text())
                name = (config.get("architectures") or ["BehavertModel"])[0]
            except (OSError, ValueError) as e:
                raise ModelFileError(folder, f"unreadable config.json: {e}") from e
        try:
            model_cls = model_class(name)
        except KeyError as e:
            raise ModelFileError(folder, str(e)) from e
    if not (folder / TOKENIZER_FILE).is_file():
        raise ModelFileError(folder, "the run folder has no tokenizer.json")
    model = model_cls.from_pretrained(folder)  # raises ModelFileError itself
    try:
        tokenizer = PoseTokenizer.load(folder)
    except ModelFileError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ModelFileError(folder / TOKENIZER_FILE, f"corrupt tokenizer: {e}") from e
    model.eval()
    return model, tokenizer, meta
