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

Run folders
    ``out`` is checked and locked for the whole run
    (``behavert.train.run_folder``): never the initial run's folder, written to
    before the first step, a finished run (``out/model``) kept unless
    ``overwrite``, and a checkpoint resumed only when its fingerprint (phase,
    model, tokenizer, data, settings) matches this run, else a
    ``RunFolderError`` says what differs. A non-finite loss raises
    ``TrainingDivergedError`` and no non-finite weights are ever written.

Determinism
    Each step's windows and masks come from a ``torch.Generator`` seeded with
    ``(seed, step)``, and the global RNG states (dropout) are saved in every
    checkpoint, so on CPU the same seed gives the same losses, and a resumed run
    reaches the same weights as an uninterrupted one.

Distributed
    When launched by ``torchrun`` / ``accelerate launch`` (``WORLD_SIZE`` > 1), an
    ``accelerate.Accelerator`` wraps the model and optimizer (DDP) and every
    process takes its slice of each global batch; otherwise plain torch runs on
    ``pick_device(config.device)`` (``behavert.train.runtime.Runtime``).

What a run trains is a :class:`Task` (``behavert.train.tasks`` builds them);
the optimizer and schedule come from ``behavert.train.optim``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from .checkpoint import (
    find_last_checkpoint,
    load_checkpoint_state,
    load_weights,
    restore_rng_state,
    save_checkpoint,
)
from .config import TrainConfig
from .optim import build_optimizer, build_scheduler
from .run_folder import (
    check_finite,
    check_loss,
    check_resumable,
    fingerprint,
    hold_out_folder,
)
from .runtime import Runtime

log = logging.getLogger(__name__)

__all__ = [
    "Task",
    "TrainEvent",
    "TrainedRun",
    "run_to_end",
    "step_generator",
    "train_task",
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
        Folder holding ``model/`` (the saved run) and ``checkpoints/``; for a
        run loaded from disk to start from, the folder it was loaded from
        (a new run refuses to write into it).
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


def step_generator(seed: int, step: int) -> torch.Generator:
    """The ``torch.Generator`` that draws the windows and masks of one step."""
    return torch.Generator().manual_seed(int(seed) * 1_000_003 + int(step) + 1)


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
    info
        JSON-friendly facts stored with checkpoints; ``"data"`` (a
        ``run_folder.data_fingerprint``) is part of the run's fingerprint.
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


def _model_loss(model, batch: dict) -> torch.Tensor:
    return model(**batch).loss


class _Session:
    """One call of :func:`train_task`: the model, its optimizer and bookkeeping."""

    def __init__(self, task: Task, config: TrainConfig, out) -> None:
        self.task, self.config = task, config
        self.out = Path(out) if out is not None else None
        self.ckpt_dir = self.out / "checkpoints" if self.out is not None else None
        self.rt = Runtime(config)
        self.total = config.total_steps(task.n_windows)
        self.model = task.model
        self.optimizer = build_optimizer(self.model, config, task.encoder_prefix)
        self.scheduler = build_scheduler(self.optimizer, config, self.total)
        self.loss_fn = task.compute_loss or _model_loss
        self.start = 0
        self.best_score, self.best_state, self.bad_evals = -math.inf, None, 0
        self.metrics: dict[str, float] = {}
        self.history: list[tuple[int, float]] = []
        self.stopped_early = False
        self.encoder: list[torch.nn.Parameter] = []
        self.fresh = False  # overwrite: old checkpoints go at the first write
        self.last_checkpoint: Path | None = None
        self.fingerprint: dict = {}
        if self.out is not None:  # what makes this run this run (checkpoints)
            self.fingerprint = fingerprint(
                task.phase,
                task.model,
                task.tokenizer,
                task.info.get("data"),
                config,
                self.total,
            )

    def resume(self, resume: bool, overwrite: bool) -> None:
        """Continue from the last checkpoint of the same phase when it matches.

        With ``overwrite`` every checkpoint is ignored (and removed at the first
        write); otherwise a checkpoint of another run, or ``resume=False`` with
        checkpoints present, raises ``RunFolderError``.
        """
        if self.ckpt_dir is None:
            return
        if overwrite:
            self.fresh = True
            return
        last = find_last_checkpoint(self.ckpt_dir, phase=self.task.phase)
        if last is None:
            return
        payload = load_checkpoint_state(last)
        saved = payload["info"].get("fingerprint")
        check_resumable(last, saved, self.fingerprint, resume=resume)
        load_weights(self.model, last)
        self.last_checkpoint = last
        self.optimizer.load_state_dict(payload["optimizer"])
        self.scheduler.load_state_dict(payload["scheduler"])
        restore_rng_state(payload["rng"])
        self.start = payload["step"]
        state = payload["state"]
        self.best_score = float(state.get("best_score", -math.inf))
        self.bad_evals = int(state.get("bad_evals", 0))
        self.best_state = state.get("best_state") or None
        self.metrics = dict(payload["info"].get("metrics", {}))
        log.info("resuming %s from step %d", self.task.phase, self.start)

    def prepare(self) -> None:
        """Move (and wrap) the model and optimizer for the runtime."""
        self.model, self.optimizer = self.rt.prepare(self.model, self.optimizer)
        prefix = self.task.encoder_prefix
        self.encoder = [
            p
            for n, p in self.rt.unwrap(self.model).named_parameters()
            if n.startswith(prefix)
        ]

    def checkpoint(self, step: int) -> None:
        """Write ``checkpoint-<step>`` (main process) when the run has ``out``."""
        if self.ckpt_dir is None:
            return
        if self.rt.is_main:
            check_finite(self.rt.unwrap(self.model), f"checkpoint-{step:08d}")
            state = {"best_score": self.best_score, "bad_evals": self.bad_evals}
            if self.best_state is not None:
                state["best_state"] = self.best_state
            self.last_checkpoint = save_checkpoint(
                self.ckpt_dir,
                step=step,
                model=self.rt.unwrap(self.model),
                tokenizer=self.task.tokenizer,
                optimizer=self.optimizer,
                scheduler=self.scheduler,
                state=state,
                info={
                    "phase": self.task.phase,
                    "total": self.total,
                    "metrics": self.metrics,
                    "train_config": self.config.to_dict(),
                    **self.task.info,
                    "fingerprint": self.fingerprint,
                },
                replace_all=self.fresh,
            )
            self.fresh = False
        self.rt.barrier()

    def optimise(self, step: int) -> float:
        """One optimisation step; returns its loss (mean over processes)."""
        rt, config, model = self.rt, self.config, self.model
        model.train()
        batch = self.task.make_batch(
            step, step_generator(config.seed, step), rt.rank, rt.world
        )
        batch = {
            k: v.to(rt.device) if torch.is_tensor(v) else v for k, v in batch.items()
        }
        with rt.autocast():
            loss = self.loss_fn(model, batch)
        rt.backward(loss)
        if step < config.freeze_encoder_steps:
            for p in self.encoder:
                p.grad = None
        rt.clip_and_step(model, self.optimizer, config.grad_clip)
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        return rt.mean(loss)

    def evaluation_due(self, done: int) -> bool:
        every = self.config.eval_every
        due = (every and done % every == 0) or done == self.total
        return self.task.evaluate is not None and bool(due)

    def evaluate(self) -> dict[str, float]:
        """Validate, track the best weights and early stopping; ``val/...`` metrics."""
        self.model.eval()
        with torch.no_grad():
            val = self.task.evaluate(self.rt.unwrap(self.model))
        self.metrics = {k: float(v) for k, v in val.items()}
        score = self.metrics.get("score", -math.inf)
        patience = self.config.early_stopping_patience
        if score > self.best_score:
            self.best_score, self.bad_evals = score, 0
            if patience is not None:
                self.best_state = {
                    k: v.detach().cpu().clone()
                    for k, v in self.rt.unwrap(self.model).state_dict().items()
                }
        else:
            self.bad_evals += 1
            self.stopped_early = patience is not None and self.bad_evals >= patience
        return {f"val/{k}": v for k, v in self.metrics.items()}

    def checkpoint_due(self, done: int) -> bool:
        every = self.config.checkpoint_every
        periodic = bool(every) and done % every == 0
        return periodic or done == self.total or self.stopped_early

    def report_due(self, done: int, evaluated: bool) -> bool:
        last = done == self.total or self.stopped_early
        return evaluated or done % self.config.log_every == 0 or last

    def result(self, cancelled: bool) -> TrainedRun:
        """The unwrapped model (best weights when early stopping), on the CPU."""
        final = self.rt.unwrap(self.model)
        patience = self.config.early_stopping_patience
        if self.best_state is not None and patience is not None:
            final.load_state_dict(self.best_state)
            self.metrics["best_score"] = self.best_score
        final = final.to("cpu").eval()
        if self.history:
            self.metrics["loss"] = self.history[-1][1]
        return TrainedRun(
            model=final,
            tokenizer=self.task.tokenizer,
            metrics=self.metrics,
            history=self.history,
            out=self.out,
            cancelled=cancelled,
        )


def train_task(
    task: Task,
    config: TrainConfig,
    *,
    out: str | Path | None = None,
    resume: bool = True,
    cancel: Callable[[], bool] | None = None,
    overwrite: bool = False,
    init: Any = None,
) -> Iterator[TrainEvent]:
    """Run the optimisation loop of ``task`` (a generator returning TrainedRun).

    Parameters
    ----------
    task
        What to train (``behavert.train.tasks``).
    config
        Optimisation settings.
    out
        Folder for ``checkpoints/`` (None: no checkpoints). It is checked and
        locked for the whole run (``behavert.train.run_folder``).
    resume
        Continue from the last checkpoint of the same phase in ``out`` when it
        belongs to this run (its fingerprint matches); a checkpoint of another
        run raises ``RunFolderError`` naming what differs.
    cancel
        Checked before every step; True writes a checkpoint and stops.
    overwrite
        Start afresh in an ``out`` that holds a finished run or checkpoints of
        another one: old checkpoints are removed at the first new one, and
        the old ``model/`` is replaced when the new run is saved.
    init
        The run this one starts from (a ``TrainedRun`` or a folder): ``out``
        must not be its folder, lie inside it or contain it.

    Raises
    ------
    RunFolderError
        When ``out`` cannot be used (see ``run_folder.check_out_folder``).
    TrainingDivergedError
        When the loss or the weights become non-finite (the last good
        checkpoint is kept).
    """
    if out is None:
        return (yield from _train(task, config, None, resume, cancel, overwrite))
    with hold_out_folder(out, overwrite=overwrite, init=init):
        return (yield from _train(task, config, out, resume, cancel, overwrite))


def _train(task, config, out, resume, cancel, overwrite):
    """The loop of :func:`train_task` (``out`` already checked and locked)."""
    session = _Session(task, config, out)
    session.resume(resume, overwrite)
    session.prepare()
    cancelled = False
    for step in range(session.start, session.total):
        if cancel is not None and cancel():
            session.checkpoint(step)
            cancelled = True
            break
        loss = session.optimise(step)
        done = step + 1
        kept = session.last_checkpoint
        check_loss(loss, done, session.total, task.phase, config.lr, kept)
        metrics = {"lr": float(session.scheduler.get_last_lr()[0])}
        evaluated = session.evaluation_due(done)
        if evaluated:
            metrics.update(session.evaluate())
        if session.checkpoint_due(done):
            session.checkpoint(done)
        session.history.append((done, loss))
        if session.report_due(done, evaluated):
            yield TrainEvent(done, session.total, loss, metrics, task.phase)
        if session.stopped_early:
            break
    return session.result(cancelled)
