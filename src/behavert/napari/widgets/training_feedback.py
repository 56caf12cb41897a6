"""What a training dock shows while a run goes: validation scores and a curve.

:class:`TrainingFeedback` is fed the core's ``TrainEvent``s on the main thread
(``workers.start_job(on_event=...)``). It shows the latest validation
macro-F1 and per-class F1 (the ``val/...`` metrics of
``behavert.train.loop.TrainEvent``) and a small curve of the training loss and
the validation macro-F1, painted on a pixmap (no plotting library: it stays
cheap at every step). :meth:`TrainingFeedback.save` writes the history as a
CSV next to the saved run.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from magicgui.widgets import Container, Label
from qtpy.QtCore import QPointF, Qt
from qtpy.QtGui import QColor, QPainter, QPen, QPixmap, QPolygonF

__all__ = ["HISTORY_FILE", "TrainingFeedback", "start_training"]

#: the history file written into the saved run folder (``<out>/model``)
HISTORY_FILE = "history.csv"
LOSS_COLOR = QColor(255, 170, 60)
VAL_COLOR = QColor(80, 200, 255)
BACKGROUND = QColor(38, 41, 48)
TEXT = QColor(220, 220, 220)


class TrainingFeedback(Container):
    """Validation macro-F1, per-class F1 and a loss / validation curve.

    Parameters
    ----------
    width, height
        Size of the curve in pixels.
    """

    def __init__(self, width: int = 260, height: int = 100) -> None:
        super().__init__(labels=False)
        self._size = (int(width), int(height))
        self._macro = Label(value="")
        self._per_class = Label(value="")
        self._curve = Label(value="")
        for control, name in [
            (self._macro, "val_macro_f1"),
            (self._per_class, "val_per_class_f1"),
            (self._curve, "training_curve"),
        ]:
            control.native.setObjectName(name)
        self._per_class.native.setWordWrap(True)
        self._curve.native.setFixedHeight(self._size[1])
        self._curve.tooltip = (
            "orange: training loss (scaled to its range); blue: validation "
            "macro-F1 (0 at the bottom, 1 at the top)"
        )
        self.extend([self._macro, self._per_class, self._curve])
        self.rows: list[dict[str, Any]] = []
        self.reset()

    # ------------------------------------------------------------ state
    def reset(self) -> None:
        """Forget the previous run (a new Run starts)."""
        self.rows = []
        self._total = 0
        self._macro.value = ""
        self._per_class.value = ""
        self.draw()

    def add(self, event: Any) -> None:
        """Take one ``TrainEvent``: store it, show new scores, redraw the curve."""
        metrics = {k: float(v) for k, v in dict(event.metrics).items()}
        row = {"step": int(event.step), "phase": str(event.phase)}
        row["loss"] = float(event.loss)
        self.rows.append({**row, **metrics})
        self._total = int(event.total)
        val = {k[4:]: v for k, v in metrics.items() if k.startswith("val/")}
        if val:
            self.show_scores(val, f"step {event.step}/{event.total}")
        every = max(1, self._total // 50)
        if val or event.step >= event.total or event.step % every == 0:
            self.draw()

    def show_scores(self, metrics: dict[str, float], when: str = "") -> None:
        """Show macro-F1 and per-class F1 (or AP) of validation ``metrics``.

        ``metrics`` has the keys of ``behavert.train.metrics.frame_metrics``
        (``macro_f1``, ``f1/<class>``, ``ap/<class>``), without ``val/``.
        """
        macro = metrics.get("macro_f1")
        if macro is None:
            return
        suffix = f" ({when})" if when else ""
        self._macro.value = f"Validation macro-F1: {macro:.3f}{suffix}"
        kind = "f1/" if any(k.startswith("f1/") for k in metrics) else "ap/"
        per = [(k[len(kind) :], v) for k, v in metrics.items() if k.startswith(kind)]
        what = "F1" if kind == "f1/" else "average precision"
        self._per_class.value = (
            f"Per-class {what}: " + ", ".join(f"{n} {v:.2f}" for n, v in per)
            if per
            else ""
        )

    @property
    def macro_f1_text(self) -> str:
        """The validation macro-F1 line as shown."""
        return self._macro.value

    @property
    def per_class_text(self) -> str:
        """The per-class F1 line as shown."""
        return self._per_class.value

    @property
    def loss_points(self) -> list[tuple[int, float]]:
        """``(step, loss)`` of every reported step (of the current phase)."""
        rows = self._phase_rows()
        return [(r["step"], r["loss"]) for r in rows if _finite(r["loss"])]

    @property
    def val_points(self) -> list[tuple[int, float]]:
        """``(step, validation macro-F1)`` of every evaluation."""
        rows = self._phase_rows()
        return [(r["step"], r["val/macro_f1"]) for r in rows if "val/macro_f1" in r]

    def _phase_rows(self) -> list[dict[str, Any]]:
        """The rows of the current phase (a transfer realigns, then trains)."""
        phase = self.rows[-1]["phase"] if self.rows else None
        return [r for r in self.rows if r["phase"] == phase]

    @property
    def pixmap(self) -> QPixmap:
        """The curve as shown."""
        return self._curve.native.pixmap()

    # ------------------------------------------------------------ output
    def save(self, folder: str | Path) -> Path | None:
        """Write the history as ``folder/history.csv`` (atomically); None if empty.

        Columns: ``step``, ``phase``, ``loss``, ``lr`` and the ``val/...``
        metrics of the steps that were evaluated (empty elsewhere).
        """
        if not self.rows:
            return None
        import pandas as pd

        from ...io.atomic import atomic_path

        path = Path(folder) / HISTORY_FILE
        with atomic_path(path) as tmp:
            pd.DataFrame(self.rows).to_csv(tmp, index=False)
        return path

    def save_with_run(self, run: Any) -> Path | None:
        """Write the history into the saved run of a ``TrainedRun`` (``out/model``).

        The run folder's lock is held while writing; nothing is written for a
        run without ``out``.
        """
        if run.out is None:
            return None
        from ...train.run_folder import run_lock

        with run_lock(run.out):
            return self.save(Path(run.out) / "model")

    def draw(self) -> None:
        """Paint the loss (scaled to its range) and validation macro-F1 (0..1)."""
        width, height = self._size
        pixmap = QPixmap(width, height)
        pixmap.fill(BACKGROUND)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        loss, val = self.loss_points, self.val_points
        total = max(self._total, max((step for step, _ in loss), default=1), 1)
        if loss:
            values = [v for _, v in loss]
            low, high = min(values), max(values)
            span = (high - low) or 1.0
            _polyline(painter, LOSS_COLOR, loss, total, low, span, self._size)
        if val:
            _polyline(painter, VAL_COLOR, val, total, 0.0, 1.0, self._size, dots=True)
        painter.setPen(TEXT)
        text = f"loss {loss[-1][1]:.3g}" if loss else "loss, validation F1"
        if val:
            text += f"   val F1 {val[-1][1]:.2f}"
        painter.drawText(6, 14, text)
        painter.end()
        self._curve.native.setPixmap(pixmap)


def start_training(dock: Any, body: Any, title: str, on_result: Any) -> Any:
    """Start a training dock's job with its ``feedback`` following the events.

    ``dock`` is a ``TrainingWidget`` with a ``feedback`` (:class:`TrainingFeedback`)
    whose job is started by ``JobWidget._start``. Returns the ``Job``.
    """
    dock.feedback.reset()
    return dock._start(body, title, on_result, on_event=dock.feedback.add)


def _finite(value: float) -> bool:
    return math.isfinite(value)


def _polyline(painter, color, points, total, low, span, size, dots=False) -> None:
    """Draw ``(step, value)`` points: x = step / total, y = (value - low) / span."""
    width, height = size
    top, bottom = 20, height - 4

    def at(step: float, value: float) -> QPointF:
        x = 4 + (width - 8) * step / total
        y = bottom - (bottom - top) * min(1.0, max(0.0, (value - low) / span))
        return QPointF(x, y)

    pts = [at(s, v) for s, v in points]
    painter.setPen(QPen(color, 1.5))
    painter.drawPolyline(QPolygonF(pts))
    if dots:
        painter.setBrush(color)
        for p in pts:
            painter.drawEllipse(p, 2.5, 2.5)
        painter.setBrush(Qt.BrushStyle.NoBrush)
