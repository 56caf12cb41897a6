"""Where training runs: plain torch on one device, or Accelerate when distributed.

``Runtime`` hides the difference from the engine (``behavert.train.loop``):
device placement, mixed precision (autocast and fp16 gradient scaling),
backward, gradient clipping, the mean of a value over processes and barriers.
Launched by ``torchrun`` / ``accelerate launch`` (``WORLD_SIZE`` > 1) it wraps
the model and optimizer in an ``accelerate.Accelerator`` (DDP); otherwise it
runs on ``pick_device(config.device)``.
"""

from __future__ import annotations

import contextlib
import os

import torch

from ..model.device import pick_device
from .config import TrainConfig

__all__ = ["Runtime"]


class Runtime:
    """Plain torch or Accelerate (when launched distributed)."""

    def __init__(self, config: TrainConfig) -> None:
        self.distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
        self.accelerator = None
        if self.distributed:
            from accelerate import Accelerator, DistributedDataParallelKwargs

            want = pick_device(config.device) if config.device != "auto" else None
            cpu = want is not None and want.type == "cpu"
            if not torch.cuda.is_available():
                cpu = True
            mp = config.mixed_precision
            if mp == "auto":
                mp = "no" if cpu else "bf16"
            # The inner BERT's word embeddings are unused (inputs_embeds).
            ddp = DistributedDataParallelKwargs(find_unused_parameters=True)
            self.accelerator = Accelerator(
                cpu=cpu, mixed_precision=mp, kwargs_handlers=[ddp]
            )
            self.device = self.accelerator.device
            self.rank = self.accelerator.process_index
            self.world = self.accelerator.num_processes
        else:
            self.device = pick_device(config.device)
            self.rank, self.world = 0, 1
        mp = config.mixed_precision
        if mp == "auto":
            mp = "bf16" if self.device.type == "cuda" else "no"
        self.amp_dtype = None
        if self.device.type == "cuda" and mp in ("bf16", "fp16"):
            self.amp_dtype = torch.bfloat16 if mp == "bf16" else torch.float16
        self.scaler = None
        if self.accelerator is None and self.amp_dtype == torch.float16:
            self.scaler = torch.amp.GradScaler("cuda")
        if config.batch_size % self.world:
            raise ValueError(
                f"batch_size {config.batch_size} is not divisible by the "
                f"{self.world} processes"
            )

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def prepare(self, model, optimizer):
        model.to(self.device)
        if self.accelerator is not None:
            model, optimizer = self.accelerator.prepare(model, optimizer)
        return model, optimizer

    def unwrap(self, model):
        if self.accelerator is not None:
            return self.accelerator.unwrap_model(model)
        return model

    def autocast(self):
        if self.accelerator is not None:
            return self.accelerator.autocast()
        if self.amp_dtype is not None:
            return torch.autocast("cuda", dtype=self.amp_dtype)
        return contextlib.nullcontext()

    def backward(self, loss):
        if self.accelerator is not None:
            self.accelerator.backward(loss)
        elif self.scaler is not None:
            self.scaler.scale(loss).backward()
        else:
            loss.backward()

    def clip_and_step(self, model, optimizer, grad_clip):
        if self.scaler is not None:
            self.scaler.unscale_(optimizer)
        if grad_clip:
            if self.accelerator is not None:
                self.accelerator.clip_grad_norm_(model.parameters(), grad_clip)
            else:
                torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        if self.scaler is not None:
            self.scaler.step(optimizer)
            self.scaler.update()
        else:
            optimizer.step()

    def mean(self, value: torch.Tensor) -> float:
        value = value.detach().float()
        if self.accelerator is not None:
            value = self.accelerator.reduce(value.to(self.device), reduction="mean")
        return float(value)

    def barrier(self):
        if self.accelerator is not None:
            self.accelerator.wait_for_everyone()
