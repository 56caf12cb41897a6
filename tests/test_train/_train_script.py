"""Subprocess driver for the kill/resume and distributed tests (synthetic data).

Usage: python _train_script.py OUT_JSON [RUN_DIR]
Environment: BEHAVERT_TEST_SLEEP (seconds to sleep after each step),
BEHAVERT_TEST_STEPS (default 8).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import torch

from behavert.train.loop import run_to_end
from behavert.train.pretraining import pretrain


def _walk():
    """``tests/fixtures/walk.py``, loaded by path (this file runs as a script)."""
    path = Path(__file__).resolve().parents[1] / "fixtures" / "walk.py"
    spec = importlib.util.spec_from_file_location("behavert_test_walk", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def main() -> None:
    torch.set_num_threads(1)
    out_json = Path(sys.argv[1])
    run_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    pause = float(os.environ.get("BEHAVERT_TEST_SLEEP", "0"))
    losses = []

    def on_event(event):
        losses.append(event.loss)
        if pause:
            time.sleep(pause)

    walk = _walk()
    steps = int(os.environ.get("BEHAVERT_TEST_STEPS", "8"))
    tc = walk.script_config(checkpoint_every=1 if run_dir else 0, steps=steps)
    run_to_end(pretrain(walk.script_poses(), train_config=tc, out=run_dir), on_event)
    if int(os.environ.get("RANK", "0")) == 0:
        world = int(os.environ.get("WORLD_SIZE", "1"))
        out_json.write_text(json.dumps({"losses": losses, "world": world}))
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        # Shut gloo down on every rank before exiting (else: "terminate called").
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
