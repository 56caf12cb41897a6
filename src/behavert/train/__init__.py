"""Training: configuration, generator loops, checkpoints, metrics and saved runs.

Names are imported lazily, so ``behavert.train.metrics`` or
``behavert.train.config`` can be used without importing torch.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "TrainConfig": ".config",
    "pick_device": "..model.device",
    "TrainEvent": ".loop",
    "TrainedRun": ".loop",
    "run_to_end": ".loop",
    "time_block_split": "..data.splits",
    "pretrain": ".pretraining",
    "finetune_frames": ".finetuning",
    "finetune_sequences": ".finetuning",
    "save_run": ".run",
    "load_run": ".run",
    "resolve_run": ".run",
    "save_checkpoint": ".checkpoint",
    "find_last_checkpoint": ".checkpoint",
    "frame_metrics": ".metrics",
    "sequence_metrics": ".metrics",
    "bout_recall": ".metrics",
    "smooth_bouts": ".metrics",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
