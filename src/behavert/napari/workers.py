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
Errors are shown with napari's ``show_error`` (``worker.errored``) and
warnings raised in the body with ``show_warning`` (``worker.warned``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from napari.qt.threading import create_worker
from napari.utils.notifications import show_warning
from qtpy.QtCore import QObject, Signal

from ..errors import TrainingCancelled
from ._notify import notify_error

log = logging.getLogger(__name__)

__all__ = ["Job", "JobContext", "start_job"]


class _Signals(QObject):
    """Signals emitted from the worker thread, delivered on the main thread."""

    progressed = Signal(int, int, str)


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
        """Report a core ``TrainEvent`` (step, total, loss, phase)."""
        self.report(event.step, event.total, f"{event.phase} loss {event.loss:.4g}")


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

    def _set_status(text: str) -> None:
        if status is not None:
            status.value = f"{title}: {text}" if text else title

    def _on_progress(step: int, total: int, text: str) -> None:
        if job.done:
            return
        if progress is not None:
            progress.max = max(int(total), 1)
            progress.value = min(int(step), progress.max)
        _set_status(f"{step}/{total} {text}".strip())

    def _on_returned(value: Any) -> None:
        job.result = None if context.cancelled() else value
        if context.cancelled() or getattr(value, "cancelled", False):
            return
        if progress is not None:
            progress.value = progress.max
        _set_status("done")
        if on_result is not None:
            try:
                on_result(value)
            except Exception as exc:  # shown, not raised into Qt's event loop
                job.error = exc
                notify_error(exc, title)
                _set_status("failed")

    def _on_errored(exc: BaseException) -> None:
        if isinstance(exc, TrainingCancelled) or context.cancelled():
            return
        job.error = exc
        notify_error(exc, title)
        _set_status("failed")

    def _on_finished() -> None:
        job.done = True
        if context.cancelled():
            _set_status("cancelled")
        if run_button is not None:
            run_button.enabled = True
        if cancel_button is not None:
            cancel_button.enabled = False
        if on_finish is not None:
            on_finish(job)

    def _on_warned(warning: tuple) -> None:
        show_warning(f"{title}: {warning[0]}")

    signals.progressed.connect(_on_progress)
    worker.warned.connect(_on_warned)
    worker.returned.connect(_on_returned)
    worker.errored.connect(_on_errored)
    worker.finished.connect(_on_finished)
    if run_button is not None:
        run_button.enabled = False
    if cancel_button is not None:
        cancel_button.enabled = True
    if progress is not None:
        progress.value = 0
    _set_status("starting")
    worker.start()
    return job
