"""Tests for behavert.train.run (save_run / load_run)."""

from __future__ import annotations

import json

import pytest
import torch

from behavert.errors import ModelFileError
from behavert.model import BehavertConfig, BehavertForFrameClassification
from behavert.train.run import load_run, save_run


@pytest.fixture()
def model(walk_tokenizer):
    torch.manual_seed(0)
    config = BehavertConfig.from_preset(
        "tiny",
        feature_size=walk_tokenizer.feature_size,
        window=64,
        stride=16,
        frame_labels=["other", "sniff"],
    )
    return BehavertForFrameClassification(config)


def test_roundtrip(model, walk_tokenizer, walk_poses, tmp_path):
    folder = save_run(tmp_path / "run", model, walk_tokenizer, {"metrics": {"f1": 0.5}})
    assert (folder / "model.safetensors").is_file()
    loaded, tok, meta = load_run(folder)
    assert meta["task"] == "frames" and meta["frame_labels"] == ["other", "sniff"]
    assert meta["window"] == 64 and meta["stride"] == 16
    assert meta["metrics"] == {"f1": 0.5}
    assert type(loaded) is BehavertForFrameClassification
    for k, v in model.state_dict().items():
        assert torch.equal(v, loaded.state_dict()[k]), k
    assert (
        tok.transform(walk_poses[0]) == walk_tokenizer.transform(walk_poses[0])
    ).all()
    # Saving again replaces the run atomically and leaves no temporary folders.
    save_run(folder, model, walk_tokenizer, {"metrics": {"f1": 0.7}})
    assert load_run(folder)[2]["metrics"] == {"f1": 0.7}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_missing_and_corrupt_runs_name_the_folder(model, walk_tokenizer, tmp_path):
    with pytest.raises(ModelFileError, match="nowhere"):
        load_run(tmp_path / "nowhere")
    folder = save_run(tmp_path / "run", model, walk_tokenizer)
    (folder / "meta.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="meta.json"):
        load_run(folder)
    (folder / "meta.json").write_text(json.dumps({"model_class": "Nope"}))
    with pytest.raises(ModelFileError, match="Nope"):
        load_run(folder)
    (folder / "meta.json").unlink()
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ModelFileError, match="tokenizer.json"):
        load_run(folder)
    save_run(folder, model, walk_tokenizer)
    (folder / "model.safetensors").write_bytes(b"broken")
    with pytest.raises(ModelFileError) as e:
        load_run(folder)
    assert e.value.path == folder
