"""The "Pretrain" dock widget: masked pose modelling on the recordings in the viewer."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from magicgui.widgets import CheckBox, ComboBox

from ...errors import RunFolderError
from ...train.config import (
    PRETRAIN_PRESET,
    PRETRAIN_RECIPE,
    PRETRAIN_SCHEDULE,
    pretrain_warmup,
)
from ...train.run_folder import check_out_folder
from .._notify import notify_error
from ..workers import Job
from ._common import TrainingWidget, optional_path, poses_of
from .training_feedback import TrainingFeedback, start_training

if TYPE_CHECKING:
    import napari

log = logging.getLogger(__name__)

__all__ = ["PretrainWidget"]

#: the Skeleton choice that maps nothing (every layer has the same skeleton)
SAME = "(same skeleton)"
#: the Augment choices: what pretraining windows are also drawn as (the first
#: is ``PRETRAIN_RECIPE``'s)
AUGMENT = {
    "mirror + swap animals (recipe)": tuple(PRETRAIN_RECIPE["augment"]),
    "mirror (animals with roles)": ("mirror",),
    "none": (),
}


class PretrainWidget(TrainingWidget):
    """Pretrain a BehaVERT encoder on the chosen pose layers (no labels needed).

    Controls: pose layers, the reference skeleton (one of the pose layers:
    recordings of other skeletons are mapped onto it by keypoint names and
    synonyms, what they lack is masked; "(same skeleton)" when all layers
    share one), Augment (the recipe's mirrored and swapped windows; "mirror"
    alone when the animals have roles tracking keeps apart, such as resident
    and intruder), model preset (tiny / small / base), steps, window (frames),
    batch size (preset, steps and batch size start at ``PRETRAIN_PRESET`` and
    ``PRETRAIN_SCHEDULE``: tiny, 4,000 steps of 32 windows), seed, an output
    folder and Overwrite (off: a folder holding a finished run or another
    run's checkpoints is refused, with the reason in the status line), then
    Run / Cancel and a progress bar following the training steps. Training follows
    ``behavert.train.config.PRETRAIN_RECIPE`` (swapped and mirrored windows,
    half of them with one animal hidden). The run is saved to
    ``<output>/model`` (``behavert.train.save_run``), the folder the Train
    classifier widget starts from. A cancelled run keeps its checkpoint in
    ``<output>/checkpoints`` (a new Run resumes from it). A small curve
    follows the masked-modelling loss; every step's loss is saved to
    ``<output>/model/history.csv``.

    Parameters
    ----------
    viewer
        The napari viewer whose pose layers are read.
    """

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        super().__init__(viewer)
        controls = self._training_controls()
        # the rat benchmark's size and schedule (PRETRAIN_SCHEDULE)
        self._preset.value = PRETRAIN_PRESET
        self._steps.value = PRETRAIN_SCHEDULE["max_steps"]
        self._batch_size.value = PRETRAIN_SCHEDULE["batch_size"]
        self._skeleton = ComboBox(
            choices=self._skeleton_choices, label="Skeleton", value=SAME
        )
        self._augment = ComboBox(
            choices=list(AUGMENT), value=next(iter(AUGMENT)), label="Augment"
        )
        self._augment.tooltip = (
            "Pretraining windows are also drawn mirrored and with the animals "
            "swapped (the recipe, docs/benchmarks.md). When the animals have roles "
            "that tracking keeps apart (resident and intruder, adult and juvenile), "
            "choose mirror alone: swapping tells the model they are interchangeable"
        )
        self._overwrite = CheckBox(value=False, label="Overwrite")
        self._overwrite.tooltip = (
            "Start afresh when the output folder holds a finished run or another "
            "run's checkpoints (they are replaced); off: such a folder is refused "
            "and a stopped run of the same settings resumes"
        )
        controls = {"pose_layers": controls.pop("pose_layers"),
                    "skeleton": self._skeleton, "augment": self._augment,
                    **controls,
                    "overwrite": self._overwrite}  # fmt: skip
        self._name_controls(controls)
        self.extend(list(controls.values()))
        self._compact(self._pose_layers)
        self._add_job_controls("Pretrain")
        self.feedback = TrainingFeedback()
        self.append(self.feedback)
        self._watch_layers()
        self.last_run: Any = None
        self.mapping_reports: list = []

    def _on_run_button_clicked(self, *_: object) -> Job | None:
        """Start pretraining in a worker; returns the job (None on bad input)."""
        try:
            names = list(self._pose_layers.value)
            if not names:
                raise ValueError("choose at least one pose layer")
            poses_list = self._on_skeleton([poses_of(self._viewer, n) for n in names])
            out = optional_path(self._output.value)
            if out is None:
                raise ValueError("choose an output folder")
            augment = AUGMENT[self._augment.value]
            warmup = pretrain_warmup(self._steps.value)
            tc = self.train_config(
                **{**PRETRAIN_RECIPE, "augment": augment, "warmup_steps": warmup}
            )
            overwrite = bool(self._overwrite.value)
            check_out_folder(out, overwrite=overwrite)
        except ValueError as exc:
            notify_error(exc, "Pretrain")
            if isinstance(exc, RunFolderError):
                self._status.value = f"Pretrain: {exc}"
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
                overwrite=overwrite,
            )
            return run_to_end(gen, ctx.train_event)

        return start_training(self, body, "Pretrain", self._on_pretrained)

    def _skeleton_choices(self, *_: object) -> list[str]:
        return [SAME, *self._pose_choices()]

    def _on_skeleton(self, poses_list: list) -> list:
        """The recordings in the chosen reference skeleton (status: what mapped)."""
        if self._skeleton.value in (None, SAME):
            return poses_list
        from ...data.skeleton import to_skeleton

        reference = poses_of(self._viewer, self._skeleton.value)
        pairs = [to_skeleton(p, reference) for p in poses_list]
        used = ", ".join(f"{len(r.used)}/{reference.n_keypoints}" for _, r in pairs)
        self.mapping_reports = [r for _, r in pairs]
        self._status.value = f"keypoints mapped per layer: {used}"
        return [m for m, _ in pairs]

    def _on_pretrained(self, run: Any) -> None:
        self.last_run = run
        loss = run.metrics.get("loss")
        text = f"saved to {run.out / 'model'}" if run.out else "done"
        if loss is not None:
            text += f" (loss {loss:.4g})"
        self._status.value = f"Pretrain: {text}"
        self.feedback.save_with_run(run)
