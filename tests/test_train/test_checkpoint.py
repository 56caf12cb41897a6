"""Tests for behavert.train.checkpoint (atomic writes, safe loading)."""

from __future__ import annotations

import pickle

import pytest
import torch

from behavert.errors import ModelFileError, OutputWriteError
from behavert.model import BehavertConfig, BehavertForMaskedPoseModeling
from behavert.train.checkpoint import (
    STATE_FILE,
    find_last_checkpoint,
    load_checkpoint_state,
    save_checkpoint,
)


@pytest.fixture()
def parts(walk_tokenizer):
    torch.manual_seed(0)
    config = BehavertConfig.from_preset(
        "tiny", feature_size=walk_tokenizer.feature_size, window=64
    )
    model = BehavertForMaskedPoseModeling(config)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0)
    x = torch.randn(2, 64, config.feature_size)
    model(inputs=x, frame_mask=torch.rand(2, 64) < 0.2).loss.backward()
    opt.step()
    sched.step()
    return model, walk_tokenizer, opt, sched


def test_roundtrip_and_pruning(parts, tmp_path):
    model, tok, opt, sched = parts
    kw = dict(model=model, tokenizer=tok, optimizer=opt, scheduler=sched)
    pretrain = {"phase": "pretrain"}
    other = save_checkpoint(tmp_path, step=7, info={"phase": "frames"}, **kw)
    first = save_checkpoint(
        tmp_path, step=1, state={"best_score": 0.5}, info=pretrain, **kw
    )
    assert (first / "model.safetensors").is_file()
    assert (first / "tokenizer.json").is_file()
    second = save_checkpoint(tmp_path, step=2, info=pretrain, **kw)
    assert not first.exists()  # keep=1 of the phase
    assert other.exists()  # another phase's checkpoint is left alone
    assert find_last_checkpoint(tmp_path) == other
    assert find_last_checkpoint(tmp_path, phase="pretrain") == second
    assert find_last_checkpoint(tmp_path, phase="sequences") is None
    # a run started afresh (overwrite) replaces every other checkpoint
    third = save_checkpoint(tmp_path, step=1, info=pretrain, replace_all=True, **kw)
    assert [p.name for p in tmp_path.iterdir()] == [third.name]
    payload = load_checkpoint_state(third)
    assert payload["step"] == 1 and payload["info"]["phase"] == "pretrain"
    assert torch.equal(payload["rng"]["torch"], payload["rng"]["torch"].to(torch.uint8))
    fresh = torch.optim.AdamW(model.parameters(), lr=1e-3)
    fresh.load_state_dict(payload["optimizer"])
    assert fresh.state_dict()["state"].keys() == opt.state_dict()["state"].keys()


def test_crash_while_writing_keeps_previous(parts, tmp_path, monkeypatch):
    model, tok, opt, sched = parts
    kw = dict(model=model, tokenizer=tok, optimizer=opt, scheduler=sched)
    good = save_checkpoint(tmp_path, step=1, **kw)

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", boom)
    with pytest.raises(OutputWriteError, match="disk full"):
        save_checkpoint(tmp_path, step=2, **kw)
    assert find_last_checkpoint(tmp_path) == good
    assert sorted(p.name for p in tmp_path.iterdir()) == [good.name]
    # A stale temporary folder (from a killed run) is never taken as a checkpoint.
    (tmp_path / ".tmp-checkpoint-00000009-x").mkdir()
    (tmp_path / "checkpoint-00000009").mkdir()  # no state file: incomplete
    assert find_last_checkpoint(tmp_path) == good
    assert find_last_checkpoint(tmp_path / "missing") is None


def test_unsafe_or_corrupt_state_is_refused(parts, tmp_path):
    model, tok, opt, sched = parts
    ckpt = save_checkpoint(
        tmp_path, step=1, model=model, tokenizer=tok, optimizer=opt, scheduler=sched
    )

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    with open(ckpt / STATE_FILE, "wb") as f:
        pickle.dump({"step": Evil()}, f)
    with pytest.raises(ModelFileError, match="training state"):
        load_checkpoint_state(ckpt)
    (ckpt / STATE_FILE).write_bytes(b"\x00garbage")
    with pytest.raises(ModelFileError, match=STATE_FILE):
        load_checkpoint_state(ckpt)
    with pytest.raises(ModelFileError, match="no training_state"):
        load_checkpoint_state(tmp_path / "nothing")
