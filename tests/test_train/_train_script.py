"""Subprocess driver for the kill/resume and distributed tests (synthetic data).

Usage: python _train_script.py OUT_JSON [RUN_DIR]
Environment: BEHAVERT_TEST_SLEEP (seconds to sleep after each step),
BEHAVERT_TEST_STEPS (default 8).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from _walk import synthetic_walk_poses  # noqa: E402

from behavert.train.config import TrainConfig  # noqa: E402
from behavert.train.loop import run_to_end  # noqa: E402
from behavert.train.pretraining import pretrain  # noqa: E402


def config(checkpoint_every: int = 0) -> TrainConfig:
    """The shared tiny configuration (dropout off so ranks agree exactly)."""
    return TrainConfig(
        max_steps=int(os.environ.get("BEHAVERT_TEST_STEPS", "8")),
        batch_size=4,
        warmup_steps=2,
        lr=3e-3,
        dropout=0.0,
        checkpoint_every=checkpoint_every,
    )


def poses():
    """Two synthetic recordings."""
    return [synthetic_walk_poses(300, seed=s) for s in (1, 2)]


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

    tc = config(checkpoint_every=1 if run_dir else 0)
    run_to_end(pretrain(poses(), train_config=tc, out=run_dir), on_event)
    if int(os.environ.get("RANK", "0")) == 0:
        world = int(os.environ.get("WORLD_SIZE", "1"))
        out_json.write_text(json.dumps({"losses": losses, "world": world}))
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        # Shut gloo down on every rank before exiting (else: "terminate called").
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
