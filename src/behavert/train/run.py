"""A trained run on disk: model + tokenizer + ``meta.json``, written atomically.

Layout of a run folder::

    config.json  model.safetensors   # save_pretrained (safetensors)
    tokenizer.json                   # PoseTokenizer.save
    meta.json                        # task, class names, window, stride, metrics
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import ModelFileError
from ..io.atomic import atomic_dir
from .checkpoint import write_json_atomic
from .run_folder import check_finite, run_lock

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

    The folder is assembled next to its final place and renamed into it
    (``atomic_dir``: files follow the umask), so a crash leaves the previous
    run (or nothing), never a mix. Non-finite weights are never written.

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

    Raises
    ------
    TrainingDivergedError
        When a weight of ``model`` is NaN or infinite (nothing is written).
    """
    folder = Path(folder)
    check_finite(model, str(folder))
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
    with atomic_dir(folder) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save(tmp)
        write_json_atomic(tmp / META_FILE, meta)
    return folder


def save_result(result: Any, train_config: Any, extra: dict | None = None) -> None:
    """Save a finished ``TrainedRun`` to ``<result.out>/model`` (main process only).

    Nothing is written for a run without ``out``, a cancelled run, or on a
    process other than rank 0 of a distributed launch. ``meta.json`` gets the
    run's metrics and ``train_config`` (``TrainConfig.to_dict()``). The run
    folder's lock is held while writing (``run_folder.run_lock``).
    """
    if result.out is None or result.cancelled:
        return
    if int(os.environ.get("RANK", "0")) != 0:
        return
    with run_lock(result.out):
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
    meta = _read_json(folder / META_FILE) if (folder / META_FILE).exists() else {}
    config_path = folder / "config.json"
    config = _read_json(config_path) if config_path.is_file() else {}
    _check_meta(folder / META_FILE, meta, config)
    if model_cls is None:
        name = meta.get("model_class")
        if name is None:
            name = (config.get("architectures") or ["BehavertModel"])[0]
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


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON object file (ModelFileError naming it when corrupt)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise ModelFileError(path, f"corrupt {path.name}: {e}") from e
    if not isinstance(data, dict):
        raise ModelFileError(path, f"{path.name} is not a JSON object")
    return data


def _check_meta(meta_path: Path, meta: dict, config: dict) -> None:
    """Refuse a meta.json that contradicts config.json (naming the field)."""
    if not meta or not config:
        return
    pairs = {
        field: (meta.get(field), config.get(field))
        for field in ("frame_labels", "sequence_labels", "window", "stride")
    }
    architectures = config.get("architectures") or []
    pairs["model_class"] = (
        meta.get("model_class"),
        architectures[0] if architectures else None,
    )
    for field, (said, actual) in pairs.items():
        if said is None or actual is None:
            continue
        if field.endswith("labels"):
            said, actual = list(said or []), list(actual or [])
        if said != actual:
            source = "architectures" if field == "model_class" else field
            raise ModelFileError(
                meta_path,
                f"{field} is {said!r} but config.json's {source} is {actual!r}; "
                "the run folder was edited or mixed from two runs: save it again "
                "or restore its files",
            )
