"""Long core calls in napari workers, with a progress bar and a Cancel button.

A dock widget hands :func:`start_job` a *body*: a plain function of one
:class:`JobContext` that calls one core function and returns its result. The
body runs on a napari ``thread_worker`` (a Qt thread pool), so the viewer stays
responsive; progress reaches the widget's magicgui ``ProgressBar`` through a Qt
signal (queued to the main thread); the result, an error or a cancellation
comes back on the main thread::

    def body(ctx):
        gen = pretrain(poses, train_config=tc, cancel=ctx.cancelled)
        return run_to_end(gen, ctx.train_event)   # TrainEvent -> progress bar

    self._job = start_job(body, progress=self._progress, on_result=self._show)

Cancelling (:meth:`Job.cancel`, wired to the Cancel button) sets a flag that
the core checks between steps: the training generators take it as their
``cancel`` callable (they stop cleanly before the next step), and
:meth:`JobContext.progress` (a core ``progress(done, total)`` callback) raises
:class:`~behavert.errors.TrainingCancelled` at the next report. The worker's
``quit()`` is called as well. A cancelled job never calls ``on_result``.
Errors are shown with napari's ``show_error`` (``worker.errored``); the
status line says "failed", followed by the message for a
:class:`~behavert.errors.BehavertError` (a problem the user can fix, such as a
run folder holding another run's checkpoints, found only once the body runs).
Warnings raised in the body are shown with ``show_warning`` (``worker.warned``).
Training bodies that report through :meth:`JobContext.train_event` also hand
every ``TrainEvent`` to ``on_event`` on the main thread (metrics, curves).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from napari.qt.threading import create_worker
from napari.utils.notifications import show_warning
from qtpy.QtCore import QObject, Signal

from ..errors import BehavertError, TrainingCancelled
from ._notify import notify_error

log = logging.getLogger(__name__)

__all__ = ["Job", "JobContext", "start_job"]


class _Signals(QObject):
    """Signals emitted from the worker thread, delivered on the main thread."""

    progressed = Signal(int, int, str)
    trained = Signal(object)  # a core TrainEvent


class JobContext:
    """What a job body uses to report progress and notice a cancellation.

    Every method may be called from the worker thread.
    """

    def __init__(self, signals: _Signals) -> None:
        self._signals = signals
        self._cancel = threading.Event()

    def cancelled(self) -> bool:
        """True once Cancel was pressed (the core's ``cancel`` callable)."""
        return self._cancel.is_set()

    def request_cancel(self) -> None:
        """Ask the body to stop at its next check."""
        self._cancel.set()

    def check(self) -> None:
        """Raise ``TrainingCancelled`` when the job was cancelled."""
        if self._cancel.is_set():
            raise TrainingCancelled("cancelled by the user")

    def report(self, step: int, total: int, text: str = "") -> None:
        """Show ``step`` of ``total`` (and a short text) on the progress bar."""
        self._signals.progressed.emit(int(step), int(total), str(text))

    def progress(self, done: int, total: int) -> None:
        """A core ``progress(done, total)`` callback that also checks for cancel."""
        self.check()
        self.report(done, total)

    def train_event(self, event: Any) -> None:
        """Report a core ``TrainEvent`` (step, total, loss, phase, metrics)."""
        self.report(event.step, event.total, f"{event.phase} loss {event.loss:.4g}")
        self._signals.trained.emit(event)


class Job:
    """A body running on a napari worker; made by :func:`start_job`.

    Attributes
    ----------
    worker
        The napari ``FunctionWorker``.
    context
        The body's :class:`JobContext`.
    done
        True once the worker finished (returned, failed or was cancelled).
    result
        The body's return value (None until returned, or when cancelled).
    error
        The exception the body raised, if any (a cancellation is not an error).
    """

    def __init__(self, worker: Any, context: JobContext) -> None:
        self.worker = worker
        self.context = context
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None

    @property
    def is_running(self) -> bool:
        """True between the start and the end of the worker."""
        return not self.done

    @property
    def cancelled(self) -> bool:
        """True when Cancel was pressed."""
        return self.context.cancelled()

    def cancel(self) -> None:
        """Ask the job to stop between steps (no effect once it is done)."""
        if self.done:
            return
        log.debug("cancelling job")
        self.context.request_cancel()
        self.worker.quit()


def start_job(
    body: Callable[[JobContext], Any],
    *,
    title: str,
    progress: Any | None = None,
    status: Any | None = None,
    run_button: Any | None = None,
    cancel_button: Any | None = None,
    on_result: Callable[[Any], Any] | None = None,
    on_finish: Callable[[Job], Any] | None = None,
    on_event: Callable[[Any], Any] | None = None,
) -> Job:
    """Run ``body(context)`` on a napari worker thread and wire it to a widget.

    Parameters
    ----------
    body
        Calls one core function; returns its result. Runs off the main thread:
        it must not touch layers or widgets (it reports through the context).
    title
        Prefix of error notifications and status texts (e.g. ``"Pretrain"``).
    progress
        magicgui ``ProgressBar``: ``max`` and ``value`` follow the reports
        (``value`` is ``total`` at the end).
    status
        magicgui ``Label`` showing the report text, then "done", "cancelled" or
        "failed".
    run_button, cancel_button
        Disabled / enabled while the job runs (and reset at the end); a click
        on ``cancel_button`` should call :meth:`Job.cancel`.
    on_result
        Called on the main thread with the result unless cancelled or failed.
    on_finish
        Called on the main thread with the job at the very end.
    on_event
        Called on the main thread with every ``TrainEvent`` the body reports
        through :meth:`JobContext.train_event` (connected before the worker
        starts, so no event is missed).

    Returns
    -------
    Job
        The started job.
    """
    signals = _Signals()
    context = JobContext(signals)
    worker = create_worker(body, context, _start_thread=False, _ignore_errors=True)
    job = Job(worker, context)
    job._signals = signals  # keep the QObject alive as long as the job
    view = _JobView(
        job, title, progress, status, run_button, cancel_button, on_result, on_finish
    )
    job._view = view  # alive as long as the job (the signals hold its methods)
    signals.progressed.connect(view.on_progress)
    if on_event is not None:
        signals.trained.connect(on_event)
    worker.warned.connect(view.on_warned)
    worker.returned.connect(view.on_returned)
    worker.errored.connect(view.on_errored)
    worker.finished.connect(view.on_finished)
    view.set_running(True)
    if progress is not None:
        progress.value = 0
    view.set_status("starting")
    worker.start()
    return job


@dataclass
class _JobView:
    """The widget side of a job: progress bar, status text and buttons."""

    job: Job
    title: str
    progress: Any
    status: Any
    run_button: Any
    cancel_button: Any
    on_result: Callable[[Any], Any] | None
    on_finish: Callable[[Job], Any] | None

    def set_status(self, text: str) -> None:
        if self.status is not None:
            self.status.value = f"{self.title}: {text}" if text else self.title

    def set_running(self, running: bool) -> None:
        if self.run_button is not None:
            self.run_button.enabled = not running
        if self.cancel_button is not None:
            self.cancel_button.enabled = running

    def on_progress(self, step: int, total: int, text: str) -> None:
        if self.job.done:
            return
        if self.progress is not None:
            self.progress.max = max(int(total), 1)
            self.progress.value = min(int(step), self.progress.max)
        self.set_status(f"{step}/{total} {text}".strip())

    def on_returned(self, value: Any) -> None:
        cancelled = self.job.context.cancelled()
        self.job.result = None if cancelled else value
        if cancelled or getattr(value, "cancelled", False):
            return
        if self.progress is not None:
            self.progress.value = self.progress.max
        self.set_status("done")
        if self.on_result is not None:
            try:
                self.on_result(value)
            except Exception as exc:  # shown, not raised into Qt's event loop
                self.fail(exc)

    def fail(self, exc: BaseException) -> None:
        self.job.error = exc
        notify_error(exc, self.title)
        # a user's problem is spelled out where they look; a bug says "failed"
        # and leaves the details to the notification
        self.set_status(
            f"failed: {exc}" if isinstance(exc, BehavertError) else "failed"
        )

    def on_errored(self, exc: BaseException) -> None:
        if not (isinstance(exc, TrainingCancelled) or self.job.context.cancelled()):
            self.fail(exc)

    def on_finished(self) -> None:
        self.job.done = True
        if self.job.context.cancelled():
            self.set_status("cancelled")
        self.set_running(False)
        if self.on_finish is not None:
            self.on_finish(self.job)

    def on_warned(self, warning: tuple) -> None:
        show_warning(f"{self.title}: {warning[0]}")
