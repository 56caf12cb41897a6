"""Tests for behavert.napari.workers (jobs on napari workers: progress, cancel)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

pytestmark = pytest.mark.gui

TIMEOUT_MS = 30_000


@pytest.fixture
def controls(qtbot):
    from magicgui.widgets import Label, ProgressBar, PushButton

    return SimpleNamespace(
        progress=ProgressBar(value=0, min=0, max=1),
        status=Label(value=""),
        run=PushButton(text="Run"),
        cancel=PushButton(text="Cancel", enabled=False),
    )


def _start(body, controls, results):
    from behavert.napari.workers import start_job

    return start_job(
        body,
        title="Job",
        progress=controls.progress,
        status=controls.status,
        run_button=controls.run,
        cancel_button=controls.cancel,
        on_result=results.append,
    )


def test_job_reports_progress_and_returns(qtbot, controls, mocker):
    show_error = mocker.patch("behavert.napari._notify.show_error")
    results = []

    def body(ctx):
        for step in range(1, 4):
            ctx.report(step, 3, "working")
        return 42

    job = _start(body, controls, results)
    assert not controls.run.enabled and controls.cancel.enabled
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT_MS)
    assert results == [42] and job.result == 42 and job.error is None
    assert controls.progress.max == 3 and controls.progress.value == 3
    assert controls.status.value == "Job: done"
    assert controls.run.enabled and not controls.cancel.enabled
    assert not job.cancelled
    show_error.assert_not_called()


def test_job_error_goes_to_show_error(qtbot, controls, mocker):
    show_error = mocker.patch("behavert.napari._notify.show_error")
    results = []

    def body(ctx):
        ctx.report(1, 5)
        raise ValueError("boom in body")

    job = _start(body, controls, results)
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT_MS)
    assert results == []
    assert isinstance(job.error, ValueError)
    show_error.assert_called_once()
    assert "Job: boom in body" in show_error.call_args.args[0]
    assert controls.status.value == "Job: failed"
    assert controls.run.enabled


def test_cancel_stops_a_progress_callback_body(qtbot, controls, mocker):
    show_error = mocker.patch("behavert.napari._notify.show_error")
    results, steps = [], []

    def body(ctx):  # like predict_frames(progress=ctx.progress)
        for step in range(1, 100_000):
            ctx.progress(step, 100_000)
            steps.append(step)
            time.sleep(0.005)
        return "finished"

    job = _start(body, controls, results)
    qtbot.waitUntil(lambda: controls.progress.value >= 2, timeout=TIMEOUT_MS)
    job.cancel()
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT_MS)
    assert job.cancelled and job.result is None and job.error is None
    assert results == [] and len(steps) < 99_999
    assert controls.status.value == "Job: cancelled"
    assert controls.run.enabled and not controls.cancel.enabled
    show_error.assert_not_called()


def test_cancel_through_the_core_cancel_callable(qtbot, controls, mocker):
    show_error = mocker.patch("behavert.napari._notify.show_error")
    results = []

    def body(ctx):  # like pretrain(..., cancel=ctx.cancelled): returns early
        step = 0
        while not ctx.cancelled():
            step += 1
            ctx.report(step, 1_000_000)
            time.sleep(0.005)
        return SimpleNamespace(cancelled=True, step=step)

    job = _start(body, controls, results)
    qtbot.waitUntil(lambda: controls.progress.value >= 1, timeout=TIMEOUT_MS)
    job.cancel()
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT_MS)
    assert job.cancelled and results == [] and job.result is None
    assert controls.status.value == "Job: cancelled"
    show_error.assert_not_called()
    job.cancel()  # a no-op once done
    assert job.done


def test_on_result_error_is_shown_not_raised(qtbot, controls, mocker):
    from behavert.napari.workers import start_job

    show_error = mocker.patch("behavert.napari._notify.show_error")

    def bad_result(value):
        raise ValueError(f"cannot show {value}")

    job = start_job(
        lambda ctx: 7, title="Job", status=controls.status, on_result=bad_result
    )
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT_MS)
    assert isinstance(job.error, ValueError)
    assert "cannot show 7" in show_error.call_args.args[0]
    assert controls.status.value == "Job: failed"


def test_job_warning_becomes_a_notification(qtbot, controls, mocker):
    import warnings

    from behavert.errors import BehavertWarning
    from behavert.napari.workers import start_job

    show_warning = mocker.patch("behavert.napari.workers.show_warning")

    def body(ctx):
        warnings.warn("few labelled frames", BehavertWarning, stacklevel=1)
        return 1

    job = start_job(body, title="Job", status=controls.status)
    qtbot.waitUntil(lambda: job.done, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: show_warning.called, timeout=TIMEOUT_MS)
    assert "Job: few labelled frames" in show_warning.call_args.args[0]
    assert job.result == 1
