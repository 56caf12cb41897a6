"""The training engine behind ``pretrain`` and ``finetune_*`` (generators).

Training functions are generators: they yield :class:`TrainEvent` between
optimisation steps and ``return`` a :class:`TrainedRun` (the value of
``StopIteration``; :func:`run_to_end` drives a generator and returns it).

Stopping early
    * ``cancel()`` returning True is checked before every step: a checkpoint is
      written (when ``out`` is set) and the generator returns the partly trained
      run with ``TrainedRun.cancelled`` True.
    * Closing the generator (``gen.close()``, napari's abort, a ``break`` in a
      ``for`` loop) stops at the current ``yield``; nothing more is written, the
      last periodic checkpoint stays complete and ``resume=True`` continues
      from it.

Determinism
    Each step's windows and masks come from a ``torch.Generator`` seeded with
    ``(seed, step)``, and the global RNG states (dropout) are saved in every
    checkpoint, so on CPU the same seed gives the same losses, and a resumed run
    reaches the same weights as an uninterrupted one.

Distributed
    When launched by ``torchrun`` / ``accelerate launch`` (``WORLD_SIZE`` > 1), an
    ``accelerate.Accelerator`` wraps the model and optimizer (DDP) and every
    process takes its slice of each global batch; otherwise plain torch runs on
    ``pick_device(config.device)``.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import math
import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..model.device import pick_device
from .checkpoint import (
    find_last_checkpoint,
    load_checkpoint_state,
    restore_rng_state,
    save_checkpoint,
)
from .config import TrainConfig

log = logging.getLogger(__name__)

__all__ = [
    "TrainEvent",
    "TrainedRun",
    "run_to_end",
    "time_block_split",
]


@dataclass(frozen=True)
class TrainEvent:
    """Progress report yielded after an optimisation step.

    Attributes
    ----------
    step
        Steps done so far (1-based).
    total
        Steps planned.
    loss
        Training loss of this step (mean over processes when distributed).
    metrics
        ``lr`` and, after an evaluation, ``val/...`` metrics.
    phase
        ``"pretrain"``, ``"frames"`` or ``"sequences"``.
    """

    step: int
    total: int
    loss: float
    metrics: dict = field(default_factory=dict)
    phase: str = ""


@dataclass
class TrainedRun:
    """What a training generator returns.

    Attributes
    ----------
    model
        The trained model (unwrapped, on the CPU, eval mode).
    tokenizer
        The fitted ``PoseTokenizer``.
    metrics
        Final / best validation metrics and ``loss`` (plain floats).
    history
        Every yielded event's ``(step, loss)`` in order.
    out
        Folder holding ``model/`` (the saved run) and ``checkpoints/``.
    cancelled
        True when stopped by ``cancel()``.
    """

    model: Any
    tokenizer: Any
    metrics: dict = field(default_factory=dict)
    history: list = field(default_factory=list)
    out: Path | None = None
    cancelled: bool = False


def run_to_end(
    gen: Generator[TrainEvent, None, Any], callback: Callable[[TrainEvent], Any] = None
) -> Any:
    """Drive a training generator to its end and return its value.

    Parameters
    ----------
    gen
        A generator from ``pretrain`` / ``finetune_*``.
    callback
        Called with every event (e.g. a progress bar update).
    """
    while True:
        try:
            event = next(gen)
        except StopIteration as stop:
            return stop.value
        if callback is not None:
            callback(event)


def time_block_split(
    n_frames: int, val_fraction: float, n_blocks: int = 1, gap: int = 64
) -> tuple[np.ndarray, np.ndarray]:
    """Hold out time blocks of a recording for validation.

    The recording is cut into ``n_blocks`` equal parts; the last
    ``val_fraction`` of each part is validation, and ``gap`` frames on both
    sides of every validation block belong to neither set, so no training
    window overlaps a validation frame.

    Returns
    -------
    tuple of numpy.ndarray
        ``(train, val)`` ``(time,)`` bool masks.
    """
    if not 0 <= val_fraction < 1:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    if n_blocks < 1 or gap < 0:
        raise ValueError(f"n_blocks must be >= 1 and gap >= 0, got {n_blocks}, {gap}")
    train = np.ones(n_frames, dtype=bool)
    val = np.zeros(n_frames, dtype=bool)
    if val_fraction == 0 or n_frames == 0:
        return train, val
    edges = np.linspace(0, n_frames, n_blocks + 1).round().astype(int)
    for a, b in zip(edges[:-1], edges[1:]):
        length = max(1, int(round((b - a) * val_fraction)))
        v0 = b - length
        val[v0:b] = True
        train[max(0, v0 - gap) : min(n_frames, b + gap)] = False
    return train, val


def step_generator(seed: int, step: int) -> torch.Generator:
    """The ``torch.Generator`` that draws the windows and masks of one step."""
    return torch.Generator().manual_seed(int(seed) * 1_000_003 + int(step) + 1)


# ------------------------------------------------------------------- runtime
class _Runtime:
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


def _optimizer(model, config: TrainConfig) -> torch.optim.Optimizer:
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if p.ndim < 2 or "LayerNorm" in name or "norm" in name.lower():
            no_decay.append(p)
        else:
            decay.append(p)
    groups = [
        {"params": decay, "weight_decay": config.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=config.lr)


def _scheduler(optimizer, config: TrainConfig, total: int):
    warm = config.warmup_steps

    def factor(step: int) -> float:
        if warm and step < warm:
            return (step + 1) / warm
        return max(0.0, (total - step) / max(1, total - warm))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def _load_weights(model, folder: Path) -> None:
    from safetensors.torch import load_file

    state = load_file(str(folder / "model.safetensors"))
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if "position_ids" not in m]:
        raise RuntimeError(
            f"{folder}: checkpoint does not fit the model "
            f"(missing {missing[:3]}, unexpected {unexpected[:3]})"
        )


@dataclass
class Task:
    """What the engine needs from a training function.

    Attributes
    ----------
    phase
        Name reported in events and stored with checkpoints.
    model
        The model to train (CPU, freshly built or initialised).
    tokenizer
        Saved with checkpoints and returned.
    n_windows
        Training windows per epoch (for ``epochs``).
    make_batch
        ``(step, generator, rank, world) -> dict`` of CPU tensors for the
        model's ``forward`` (this process's share of the global batch).
    compute_loss
        ``(model, batch) -> loss``; default ``model(**batch).loss``.
    evaluate
        ``model -> dict`` of validation metrics with a ``score`` (higher is
        better), or None.
    encoder_params
        Names prefix of encoder parameters (for ``freeze_encoder_steps``).
    """

    phase: str
    model: Any
    tokenizer: Any
    n_windows: int
    make_batch: Callable[[int, torch.Generator, int, int], dict]
    compute_loss: Callable[[Any, dict], torch.Tensor] | None = None
    evaluate: Callable[[Any], dict] | None = None
    encoder_prefix: str = "behavert."
    info: dict = field(default_factory=dict)


def train_task(
    task: Task,
    config: TrainConfig,
    *,
    out: str | Path | None = None,
    resume: bool = True,
    cancel: Callable[[], bool] | None = None,
) -> Iterator[TrainEvent]:
    """Run the optimisation loop of ``task`` (a generator returning TrainedRun)."""
    out = Path(out) if out is not None else None
    ckpt_dir = out / "checkpoints" if out is not None else None
    rt = _Runtime(config)
    total = config.total_steps(task.n_windows)
    model = task.model
    optimizer = _optimizer(model, config)
    scheduler = _scheduler(optimizer, config, total)
    start = 0
    best_score, best_state, bad_evals = -math.inf, None, 0
    last_metrics: dict[str, float] = {}
    last = find_last_checkpoint(ckpt_dir) if (resume and ckpt_dir) else None
    if last is not None:
        payload = load_checkpoint_state(last)
        if payload["info"].get("phase") != task.phase:
            log.warning("%s is a %r checkpoint; starting afresh", last, task.phase)
        else:
            _load_weights(model, last)
            optimizer.load_state_dict(payload["optimizer"])
            scheduler.load_state_dict(payload["scheduler"])
            restore_rng_state(payload["rng"])
            start = payload["step"]
            state = payload["state"]
            best_score = float(state.get("best_score", -math.inf))
            bad_evals = int(state.get("bad_evals", 0))
            best_state = state.get("best_state") or None
            last_metrics = dict(payload["info"].get("metrics", {}))
            log.info("resuming %s from step %d", task.phase, start)
    model, optimizer = rt.prepare(model, optimizer)
    loss_fn = task.compute_loss or (lambda m, b: m(**b).loss)
    history: list[tuple[int, float]] = []

    def checkpoint(step: int) -> None:
        if ckpt_dir is None:
            return
        if rt.is_main:
            state = {"best_score": best_score, "bad_evals": bad_evals}
            if best_state is not None:
                state["best_state"] = best_state
            save_checkpoint(
                ckpt_dir,
                step=step,
                model=rt.unwrap(model),
                tokenizer=task.tokenizer,
                optimizer=optimizer,
                scheduler=scheduler,
                state=state,
                info={
                    "phase": task.phase,
                    "total": total,
                    "metrics": last_metrics,
                    "train_config": config.to_dict(),
                    **task.info,
                },
            )
        rt.barrier()

    cancelled = False
    stopped_early = False
    encoder = [
        p
        for n, p in rt.unwrap(model).named_parameters()
        if n.startswith(task.encoder_prefix)
    ]
    for step in range(start, total):
        if cancel is not None and cancel():
            checkpoint(step)
            cancelled = True
            break
        model.train()
        batch = task.make_batch(
            step, step_generator(config.seed, step), rt.rank, rt.world
        )
        batch = {
            k: v.to(rt.device) if torch.is_tensor(v) else v for k, v in batch.items()
        }
        with rt.autocast():
            loss = loss_fn(model, batch)
        rt.backward(loss)
        if step < config.freeze_encoder_steps:
            for p in encoder:
                p.grad = None
        rt.clip_and_step(model, optimizer, config.grad_clip)
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        done = step + 1
        loss_value = rt.mean(loss)
        metrics: dict[str, float] = {"lr": float(scheduler.get_last_lr()[0])}
        evaluated = False
        if task.evaluate is not None and (
            (config.eval_every and done % config.eval_every == 0) or done == total
        ):
            model.eval()
            with torch.no_grad():
                val = task.evaluate(rt.unwrap(model))
            evaluated = True
            last_metrics = {k: float(v) for k, v in val.items()}
            metrics.update({f"val/{k}": v for k, v in last_metrics.items()})
            score = last_metrics.get("score", -math.inf)
            if score > best_score:
                best_score, bad_evals = score, 0
                if config.early_stopping_patience is not None:
                    best_state = {
                        k: v.detach().cpu().clone()
                        for k, v in rt.unwrap(model).state_dict().items()
                    }
            else:
                bad_evals += 1
                patience = config.early_stopping_patience
                stopped_early = patience is not None and bad_evals >= patience
        if (config.checkpoint_every and done % config.checkpoint_every == 0) or (
            done == total or stopped_early
        ):
            checkpoint(done)
        history.append((done, loss_value))
        if evaluated or done % config.log_every == 0 or done == total or stopped_early:
            yield TrainEvent(done, total, loss_value, metrics, task.phase)
        if stopped_early:
            break
    final = rt.unwrap(model)
    if best_state is not None and config.early_stopping_patience is not None:
        final.load_state_dict(best_state)
        last_metrics["best_score"] = best_score
    final = final.to("cpu").eval()
    if history:
        last_metrics["loss"] = history[-1][1]
    return TrainedRun(
        model=final,
        tokenizer=task.tokenizer,
        metrics=last_metrics,
        history=history,
        out=out,
        cancelled=cancelled,
    )


def copy_model(model):
    """A deep copy of a model (to keep an ``init`` model untouched)."""
    return copy.deepcopy(model)


_PUBLIC = {
    "pretrain": ".pretraining",
    "finetune_frames": ".finetuning",
    "finetune_sequences": ".finetuning",
}
__all__ += list(_PUBLIC)


def __getattr__(name: str) -> Any:
    # ``behavert.train.loop.pretrain`` etc. live in pretraining.py / finetuning.py
    # (imported lazily: they import this module).
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(_PUBLIC[name], __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
