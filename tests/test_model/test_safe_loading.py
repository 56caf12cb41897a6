"""Safe loading (issue 12): safetensors only, validated tokenizer and meta.json.

A model folder whose weights are a ``torch.save`` pickle is refused before any
pickle is opened: the pickles written here run code when unpickled (they
create a marker file), and ``open``, ``torch.load`` and ``pickle.load`` are
made to fail on them, so the tests fail if anything even opens one.
"""

from __future__ import annotations

import builtins
import io
import json
import pathlib
import pickle
import shutil

import numpy as np
import pytest
import torch

from behavert.cli import app
from behavert.errors import ModelFileError
from behavert.model import (
    BehavertConfig,
    BehavertForFrameClassification,
    BehavertModel,
)
from behavert.train.run import load_run, save_run

PICKLED = (".bin", ".pt", ".pth", ".ckpt", ".pkl")


class _Trap:
    """Unpickling this creates ``marker`` (what a malicious pickle could do)."""

    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


@pytest.fixture()
def no_pickle_opened(monkeypatch):
    """Fail the test if any pickle-like weights file is opened or unpickled."""
    opened: list[str] = []

    def guard(path) -> None:
        name = str(path)
        if name.endswith(PICKLED):
            opened.append(name)
            raise AssertionError(f"a pickle-based weights file was opened: {name}")

    real_open, real_load, real_pickle_load = builtins.open, torch.load, pickle.load

    def open_(file, *args, **kwargs):
        if isinstance(file, (str, pathlib.PurePath)):
            guard(file)
        return real_open(file, *args, **kwargs)

    def torch_load(f, *args, **kwargs):
        guard(f)
        return real_load(f, *args, **kwargs)

    def pickle_load(f, *args, **kwargs):
        guard(getattr(f, "name", ""))
        return real_pickle_load(f, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", open_)
    monkeypatch.setattr(io, "open", open_)
    monkeypatch.setattr(torch, "load", torch_load)
    monkeypatch.setattr(pickle, "load", pickle_load)
    yield opened
    assert not opened


def _config(**overrides) -> BehavertConfig:
    settings = {"feature_size": 6, "window": 16, **overrides}
    return BehavertConfig.from_preset("tiny", **settings)


def _pickled_folder(tmp_path, walk_tokenizer, layout: str) -> pathlib.Path:
    """A saved run whose weights were replaced by a trapped torch.save pickle."""
    torch.manual_seed(0)
    model = BehavertModel(_config(feature_size=walk_tokenizer.feature_size))
    folder = save_run(tmp_path / layout, model, walk_tokenizer)
    (folder / "model.safetensors").unlink()
    marker = tmp_path / f"{layout}.unpickled"
    state = {**model.state_dict(), "trap": _Trap(marker)}
    torch.save(state, folder / "pytorch_model.bin")
    keys = list(model.state_dict())
    if layout == "safetensors-index":  # the issue: an index naming the .bin
        index = {"metadata": {}, "weight_map": dict.fromkeys(keys, "pytorch_model.bin")}
        (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    elif layout == "bin-index":
        index = {"metadata": {}, "weight_map": dict.fromkeys(keys, "pytorch_model.bin")}
        (folder / "pytorch_model.bin.index.json").write_text(json.dumps(index))
    return folder


@pytest.mark.parametrize("layout", ["bin", "safetensors-index", "bin-index"])
def test_pickle_weights_are_refused_and_never_opened(
    layout, walk_tokenizer, tmp_path, no_pickle_opened
):
    folder = _pickled_folder(tmp_path, walk_tokenizer, layout)
    with pytest.raises(ModelFileError, match="never loads pickle-based") as info:
        BehavertModel.from_pretrained(folder)
    assert str(folder) in str(info.value)
    with pytest.raises(ModelFileError, match="never loads pickle-based"):
        load_run(folder)
    assert not (tmp_path / f"{layout}.unpickled").exists()


def test_the_trap_is_real(walk_tokenizer, tmp_path):
    """Without the refusal, loading the .bin would run the pickle's code."""
    folder = _pickled_folder(tmp_path, walk_tokenizer, "bin")
    torch.load(folder / "pytorch_model.bin", weights_only=False)
    assert (tmp_path / "bin.unpickled").exists()


def test_cli_refuses_a_pickled_run(walk_tokenizer, walk_poses, tmp_path, capsys):
    from behavert.io.save import save_poses

    folder = _pickled_folder(tmp_path, walk_tokenizer, "bin")
    poses = save_poses(walk_poses[0], tmp_path / "walk.h5")
    code = app(["predict", str(folder), str(poses), "--out", str(tmp_path / "p")])
    assert code == 2
    err = capsys.readouterr().err
    assert str(folder) in err and "model.safetensors" in err
    assert not (tmp_path / "bin.unpickled").exists()
    assert not (tmp_path / "p").exists()


def test_safetensors_whole_or_sharded_still_load(tmp_path, no_pickle_opened):
    torch.manual_seed(0)
    model = BehavertModel(_config())
    model.save_pretrained(tmp_path / "whole")
    model.save_pretrained(tmp_path / "shards", max_shard_size="20KB")
    assert (tmp_path / "shards" / "model.safetensors.index.json").is_file()
    for name in ("whole", "shards"):
        loaded = BehavertModel.from_pretrained(tmp_path / name)
        for key, value in model.state_dict().items():
            torch.testing.assert_close(loaded.state_dict()[key], value, msg=key)
    index = tmp_path / "shards" / "model.safetensors.index.json"
    data = json.loads(index.read_text())
    first = next(iter(data["weight_map"]))
    data["weight_map"][first] = "../elsewhere.safetensors"
    index.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match="elsewhere"):
        BehavertModel.from_pretrained(tmp_path / "shards")


# ------------------------------------------------------------ tokenizer.json
def _saved(tmp_path, walk_tokenizer) -> pathlib.Path:
    torch.manual_seed(0)
    model = BehavertForFrameClassification(
        _config(feature_size=walk_tokenizer.feature_size, frame_labels=["a", "b"])
    )
    return save_run(tmp_path / "run", model, walk_tokenizer)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s["statistics"]["scale"].__setitem__(0, 0.0), "scales are zero"),
        (lambda s: s["statistics"]["scale"].__setitem__(3, -1.0), "scales are zero"),
        (lambda s: s["statistics"]["scale"].__setitem__(1, float("nan")), "scales"),
        (lambda s: s["statistics"]["median"].__setitem__(1, float("inf")), "median"),
        (lambda s: s["statistics"]["scale"].pop(), "features"),
        (lambda s: s.__setitem__("body_length", 0.0), "body_length"),
    ],
)
def test_bad_tokenizer_statistics_are_refused(
    edit, message, walk_tokenizer, walk_poses, tmp_path
):
    folder = _saved(tmp_path, walk_tokenizer)
    path = folder / "tokenizer.json"
    state = json.loads(path.read_text())
    edit(state)
    path.write_text(json.dumps(state))
    with pytest.raises(ModelFileError, match=message) as info:
        load_run(folder)
    assert str(path) in str(info.value)


def test_zero_scales_no_longer_give_nan_predictions(
    walk_tokenizer, walk_poses, tmp_path, capsys
):
    """The issue: zero scales gave NaN features and a prediction file anyway."""
    from behavert.io.save import save_poses

    folder = _saved(tmp_path, walk_tokenizer)
    path = folder / "tokenizer.json"
    state = json.loads(path.read_text())
    state["statistics"]["scale"] = [0.0] * len(state["statistics"]["scale"])
    path.write_text(json.dumps(state))
    poses = save_poses(walk_poses[0], tmp_path / "walk.h5")
    out = tmp_path / "pred"
    assert app(["predict", str(folder), str(poses), "--out", str(out)]) == 2
    assert "tokenizer.json" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


# ----------------------------------------------------------------- meta.json
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("frame_labels", ["a", "c"]),
        ("window", 32),
        ("stride", 3),
        ("model_class", "BehavertForSequenceClassification"),
    ],
)
def test_meta_contradicting_config_is_refused(field, value, walk_tokenizer, tmp_path):
    folder = _saved(tmp_path, walk_tokenizer)
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta[field] = value
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match=field) as info:
        load_run(folder)
    assert str(meta_path) in str(info.value) and "config.json" in str(info.value)


def test_a_consistent_run_loads(walk_tokenizer, tmp_path, no_pickle_opened):
    folder = _saved(tmp_path, walk_tokenizer)
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    model, tokenizer, meta = load_run(copy)
    assert meta["frame_labels"] == ["a", "b"] == model.config.frame_labels
    assert np.all(tokenizer.scale > 0)
