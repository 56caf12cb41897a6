"""The "Pretrain" dock widget: masked pose modelling on the recordings in the viewer."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .._notify import notify_error
from ..workers import Job
from ._common import TrainingWidget, optional_path, poses_of

if TYPE_CHECKING:
    import napari

log = logging.getLogger(__name__)

__all__ = ["PretrainWidget"]


class PretrainWidget(TrainingWidget):
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
        controls = self._training_controls()
        self._name_controls(controls)
        self.extend(list(controls.values()))
        self._compact(self._pose_layers)
        self._add_job_controls("Pretrain")
        self._watch_layers()
        self.last_run: Any = None

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
        preset, window = self._preset.value, self.window

        def body(ctx):
            from ...train import pretrain, run_to_end  # torch, off the main thread

            gen = pretrain(
                poses_list,
                config=preset,
                train_config=tc,
                out=out,
                cancel=ctx.cancelled,
                window=window,
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
