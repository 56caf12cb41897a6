"""Which weights a model folder may be loaded from: ``.safetensors`` only.

A pickle (``torch.save``: ``pytorch_model.bin``, ``.pt``) can run any code
when it is read, and BehaVERT promises never to unpickle a file it is handed,
so :func:`check_model_folder` refuses a folder without safetensors weights, or
with an index naming other files, before anything opens them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import ModelFileError

__all__ = ["WEIGHT_FILES", "check_model_folder"]

WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json")


def check_model_folder(path: str | os.PathLike) -> None:
    """Raise ``ModelFileError`` unless ``path`` holds config.json and safetensors.

    The weights must be ``model.safetensors``, or an index
    (``model.safetensors.index.json``) whose every shard is a ``.safetensors``
    file in the folder. Nothing here opens a weights file.
    """
    path = Path(path)
    if not path.is_dir():
        raise ModelFileError(path, "is not a model folder (it does not exist)")
    if not (path / "config.json").is_file():
        raise ModelFileError(path, "the model folder has no config.json")
    refusal = "behavert never loads pickle-based weights (.bin, .pt, .pth, .ckpt)"
    if (path / WEIGHT_FILES[0]).is_file():
        return
    if not (path / WEIGHT_FILES[1]).is_file():
        others = sorted(
            p.name
            for p in path.iterdir()
            if p.suffix in (".bin", ".pt", ".pth", ".ckpt", ".pkl")
        )
        found = f" (it holds {', '.join(others)})" if others else ""
        raise ModelFileError(path, f"no model.safetensors{found}; {refusal}")
    for shard in _index_shards(path / WEIGHT_FILES[1]):
        if not shard.endswith(".safetensors") or "/" in shard or "\\" in shard:
            raise ModelFileError(
                path / WEIGHT_FILES[1], f"names the weights file {shard!r}; {refusal}"
            )
        if not (path / shard).is_file():
            raise ModelFileError(path / shard, "the weights file is missing")


def _index_shards(index: Path) -> set[str]:
    """The shard file names of a safetensors index (ModelFileError if corrupt)."""
    try:
        weight_map = json.loads(index.read_text())["weight_map"]
        return {str(name) for name in weight_map.values()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ModelFileError(index, f"corrupt weights index: {err}") from err
