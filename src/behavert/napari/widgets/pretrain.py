"""The "Pretrain" dock widget: masked pose modelling on the recordings in the viewer."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from magicgui.widgets import ComboBox, FileEdit, Select, SpinBox

from ...train.config import TrainConfig
from .._notify import notify_error
from ..workers import Job
from ._common import JobWidget, optional_path, poses_of

if TYPE_CHECKING:
    import napari

log = logging.getLogger(__name__)

__all__ = ["PRESETS", "PretrainWidget"]

PRESETS = ("tiny", "small", "base")


class PretrainWidget(JobWidget):
    """Pretrain a BehaVERT encoder on the chosen pose layers (no labels needed).

    Controls: pose layers, model preset (tiny / small / base), steps, window
    (frames), batch size, seed and an output folder, then Run / Cancel and a
    progress bar following the training steps. The run is saved to
    ``<output>/model`` (``behavert.train.save_run``), the folder the Train
    classifier widget starts from. A cancelled run keeps its checkpoint in
    ``<output>/checkpoints`` (a new Run resumes from it).

    Parameters
    ----------
    viewer
        The napari viewer whose pose layers are read.
    """

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        super().__init__(viewer)
        self._pose_layers = Select(choices=self._pose_choices, label="Pose layers")
        self._preset = ComboBox(choices=PRESETS, value="tiny", label="Model size")
        self._steps = SpinBox(value=200, min=1, max=1_000_000, label="Steps")
        self._window = SpinBox(value=64, min=64, max=512, step=32, label="Window")
        self._batch_size = SpinBox(value=8, min=1, max=1024, label="Batch size")
        self._seed = SpinBox(value=0, min=0, max=2**31 - 1, label="Seed")
        self._output = FileEdit(mode="d", label="Output folder")
        self._name_controls(
            {
                "pose_layers": self._pose_layers,
                "preset": self._preset,
                "steps": self._steps,
                "window": self._window,
                "batch_size": self._batch_size,
                "seed": self._seed,
                "output_folder": self._output,
            }
        )
        self.extend(
            [
                self._pose_layers,
                self._preset,
                self._steps,
                self._window,
                self._batch_size,
                self._seed,
                self._output,
            ]
        )
        self._compact(self._pose_layers)
        self._add_job_controls("Pretrain")
        self._watch_layers()
        self.last_run: Any = None

    def train_config(self) -> TrainConfig:
        """The ``TrainConfig`` built from the controls."""
        return TrainConfig(
            max_steps=int(self._steps.value),
            window=int(self._window.value),
            batch_size=int(self._batch_size.value),
            seed=int(self._seed.value),
            warmup_steps=min(10, max(0, int(self._steps.value) // 10)),
        )

    def _on_run_button_clicked(self, *_: object) -> Job | None:
        """Start pretraining in a worker; returns the job (None on bad input)."""
        try:
            names = list(self._pose_layers.value)
            if not names:
                raise ValueError("choose at least one pose layer")
            poses_list = [poses_of(self._viewer, n) for n in names]
            out = optional_path(self._output.value)
            if out is None:
                raise ValueError("choose an output folder")
            tc = self.train_config()
        except ValueError as exc:
            notify_error(exc, "Pretrain")
            return None
        preset = self._preset.value

        def body(ctx):
            from ...train import pretrain, run_to_end  # torch, off the main thread

            gen = pretrain(
                poses_list,
                config=preset,
                train_config=tc,
                out=out,
                cancel=ctx.cancelled,
            )
            return run_to_end(gen, ctx.train_event)

        return self._start(body, "Pretrain", self._on_pretrained)

    def _on_pretrained(self, run: Any) -> None:
        self.last_run = run
        loss = run.metrics.get("loss")
        text = f"saved to {run.out / 'model'}" if run.out else "done"
        if loss is not None:
            text += f" (loss {loss:.4g})"
        self._status.value = f"Pretrain: {text}"
