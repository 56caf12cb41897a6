"""The "Train classifier" dock widget: fine-tune a per-frame behaviour classifier."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from magicgui.widgets import (
    CheckBox,
    ComboBox,
    Container,
    FileEdit,
    FloatSpinBox,
    SpinBox,
)

from ...errors import BehavertError, RunFolderError
from ...io.labels import FrameLabels
from ...train.config import FINETUNE_RECIPE
from ...train.run_folder import check_out_folder
from .._notify import notify_error
from ..workers import Job
from ._common import (
    ANNOTATIONS_KEY,
    TrainingWidget,
    labels_for_poses,
    optional_path,
    poses_of,
)
from .mapping_table import KeypointMappingWidget
from .training_feedback import TrainingFeedback, start_training

if TYPE_CHECKING:
    import napari

log = logging.getLogger(__name__)

#: the Augment choices: what training windows are also drawn as
AUGMENT = {
    "none": (),
    "mirror": ("mirror",),
    "mirror + swap animals (labels of the pair)": ("mirror", "swap"),
}

__all__ = ["TrainClassifierWidget"]

LABEL_FILTER = "Label tables (*.csv)"


class TrainClassifierWidget(TrainingWidget):
    """Train a frame classifier from annotated pose layers.

    Each chosen pose layer needs labels: the Annotate widget's annotations
    (stored on the layer), or, for a single layer, a labels file (CSV with 0/1
    columns or a behaviour column, a BORIS or SimBA table). Frames without a
    behaviour form the ``"other"`` class. The encoder starts from a pretrained
    run folder when one is chosen (else from scratch with the preset), and the
    trained classifier is saved to ``<output>/model`` for the Classify widget.
    Training follows ``behavert.train.config.FINETUNE_RECIPE``; "Augment"
    adds mirrored and/or animal-swapped windows (none by default). The output
    folder must lie outside the pretrained run's, and one holding a finished
    run or another run's checkpoints is refused unless "Overwrite" is ticked
    (the reason shows in the status line).

    "Validation" holds out that share of each recording (its last frames, a
    window away from the training frames) and measures the classifier on it
    ten times during the run: the dock shows the validation macro-F1 and
    per-class F1 as they come, with a small curve of the training loss and the
    validation macro-F1; the last scores are in the saved run's ``meta.json``
    (``metrics``) and every step in ``<output>/model/history.csv``.

    When the pretrained run's skeleton (its tokenizer's keypoints) differs from
    the pose layers' skeleton, a keypoint mapping table
    (:class:`~.mapping_table.KeypointMappingWidget`, from
    :func:`~behavert.data.mapping.map_keypoints`) appears for review, and Run
    trains through :func:`behavert.train.transfer.transfer` with the edited
    mapping ("Realign steps" of projection-only masked pose modelling first).

    Parameters
    ----------
    viewer
        The napari viewer whose pose layers are read.
    """

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        super().__init__(viewer)
        shared = self._training_controls()
        self._labels_file = FileEdit(
            mode="r", filter=LABEL_FILTER, label="Labels file (optional)", nullable=True
        )
        self._init_run = FileEdit(mode="d", label="Pretrained run (optional)")
        self._realign_steps = SpinBox(
            value=100, min=0, max=1_000_000, label="Realign steps"
        )
        self._augment = ComboBox(choices=list(AUGMENT), value="none", label="Augment")
        self._val_share = FloatSpinBox(
            value=0.2, min=0.0, max=0.5, step=0.05, label="Validation"
        )
        self._val_share.tooltip = (
            "Share of each recording held out to measure the classifier while it "
            "trains (macro-F1 and per-class F1 below); 0: no validation"
        )
        self._augment.tooltip = (
            "Training windows also drawn mirrored (left and right keypoints "
            "exchanged) and/or with the animals swapped (for behaviours of the "
            "pair, not directed ones such as resident attacks intruder). It helped "
            "on the rat sessions and hurt on the ethome mice: try both"
        )
        self._mapping_slot = Container(labels=False, visible=False)
        self._overwrite = CheckBox(value=False, label="Overwrite")
        self._overwrite.tooltip = (
            "Start afresh when the output folder holds a finished run or another "
            "run's checkpoints (they are replaced); off: such a folder is refused "
            "and a stopped run of the same settings resumes"
        )
        controls = {
            "pose_layers": shared.pop("pose_layers"),
            "labels_file": self._labels_file,
            "init_run": self._init_run,
            "realign_steps": self._realign_steps,
            "mapping_slot": self._mapping_slot,
            "augment": self._augment,
            "validation": self._val_share,
            **shared,
            "overwrite": self._overwrite,
        }
        self._name_controls(controls)
        self.extend(list(controls.values()))
        self._compact(self._pose_layers)
        self._add_job_controls("Train")
        self.feedback = TrainingFeedback()
        self.append(self.feedback)
        self._watch_layers()
        self.last_run: Any = None
        self._mapping_key: tuple | None = None
        self._mapping_widget: KeypointMappingWidget | None = None
        self._realign_steps.visible = False
        self._init_run.changed.connect(self._refresh_mapping)
        self._pose_layers.changed.connect(self._refresh_mapping)

    @property
    def mapping_widget(self) -> KeypointMappingWidget | None:
        """The shown keypoint mapping table (None: same skeleton or no run)."""
        return self._mapping_widget

    def _skeletons(self) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """(run keypoints, pose-layer keypoints), or None when not both known."""
        from ...data.tokenizer import PoseTokenizer

        init = optional_path(self._init_run.value)
        names = list(self._pose_layers.value or [])
        if init is None or not names or not init.is_dir():
            return None
        from ...train.run import resolve_run

        try:
            folder = resolve_run(init)
            if not (folder / "tokenizer.json").is_file():
                return None
            source = PoseTokenizer.load(folder).keypoints
            target = poses_of(self._viewer, names[0]).keypoints
        except (OSError, ValueError, KeyError, BehavertError) as exc:
            log.info("no keypoint mapping shown: %s", exc)
            return None
        return tuple(source), tuple(target)

    def _refresh_mapping(self, *_: object) -> None:
        """Show the mapping table when the run's and layers' skeletons differ.

        A table already shown for the same pair of skeletons is kept, with the
        user's edits.
        """
        from ...data.mapping import map_keypoints

        key = self._skeletons()
        if key is not None and key[0] == key[1]:
            key = None
        if key == self._mapping_key:
            return
        self._mapping_key = key
        self._mapping_slot.clear()
        self._mapping_widget = None
        if key is not None:
            self._mapping_widget = KeypointMappingWidget(map_keypoints(*key))
            self._mapping_slot.append(self._mapping_widget)
        self._mapping_slot.visible = key is not None
        self._realign_steps.visible = key is not None

    def labels_for(self, names: list[str]) -> list[FrameLabels]:
        """The labels of each chosen pose layer (file, else its annotations)."""
        path = optional_path(self._labels_file.value)
        if path is not None and len(names) != 1:
            raise ValueError("a labels file needs exactly one pose layer")
        out = []
        for name in names:
            poses = poses_of(self._viewer, name)
            if path is not None:
                labels = labels_for_poses(path, poses)
            else:
                labels = self._viewer.layers[name].metadata.get(ANNOTATIONS_KEY)
                if not isinstance(labels, FrameLabels):
                    raise ValueError(
                        f"layer {name!r} has no annotations: annotate it with the "
                        "Annotate widget or choose a labels file"
                    )
            if not (labels.values > 0.5).any():
                raise ValueError(f"the labels of {name!r} mark no behaviour")
            out.append(labels)
        return out

    def _on_run_button_clicked(self, *_: object) -> Job | None:
        """Start fine-tuning in a worker; returns the job (None on bad input)."""
        try:
            names = list(self._pose_layers.value)
            if not names:
                raise ValueError("choose at least one pose layer")
            poses_list = [poses_of(self._viewer, n) for n in names]
            labels_list = self.labels_for(names)
            out = optional_path(self._output.value)
            if out is None:
                raise ValueError("choose an output folder")
            init = optional_path(self._init_run.value)
            recipe = {**FINETUNE_RECIPE, "augment": AUGMENT[self._augment.value]}
            tc = self.train_config(**recipe, **self._validation())
            mapping = self._checked_mapping(poses_list)
            overwrite = bool(self._overwrite.value)
            check_out_folder(out, overwrite=overwrite, init=init)
        except (ValueError, BehavertError) as exc:
            notify_error(exc, "Train classifier")
            if isinstance(exc, RunFolderError):
                self._status.value = f"Train classifier: {exc}"
            return None
        preset, window = self._preset.value, self.window
        realign = int(self._realign_steps.value)

        def body(ctx):
            from ...train import finetune_frames, run_to_end  # torch, off main
            from ...train.transfer import transfer

            source = _load_init(init)
            common = {
                "train_config": tc,
                "out": out,
                "cancel": ctx.cancelled,
                "overwrite": overwrite,
            }
            if mapping is not None:
                gen = transfer(
                    source,
                    None,
                    poses_list,
                    mapping,
                    labels_list=labels_list,
                    realign_steps=realign,
                    window=window,
                    **common,
                )
            else:
                gen = finetune_frames(
                    poses_list,
                    labels_list,
                    source,
                    config=preset,
                    window=window,
                    **common,
                )
            return run_to_end(gen, ctx.train_event)

        return start_training(self, body, "Train classifier", self._on_trained)

    def _validation(self) -> dict[str, Any]:
        """``val_fraction`` and ``eval_every`` (ten evaluations a run)."""
        share = round(float(self._val_share.value), 4)
        if share <= 0:
            return {"val_fraction": 0.0}
        return {
            "val_fraction": share,
            "eval_every": max(1, int(self._steps.value) // 10),
        }

    def _checked_mapping(self, poses_list: list) -> Any:
        """The reviewed keypoint mapping (None: same skeleton, no transfer)."""
        self._refresh_mapping()
        if self._mapping_widget is None:
            return None
        if len({poses.keypoints for poses in poses_list}) != 1:
            raise ValueError(
                "the chosen pose layers have different skeletons: transfer "
                "needs one skeleton"
            )
        return self._mapping_widget.mapping

    def _on_trained(self, run: Any) -> None:
        self.last_run = run
        classes = ", ".join(run.model.config.frame_labels)
        where = f"saved to {run.out / 'model'}" if run.out else "done"
        text = f"Train classifier: {where}; classes {classes}"
        macro = run.metrics.get("macro_f1")
        if macro is None:
            text += "; not validated (Validation 0)"
        else:
            text += f"; validation macro-F1 {macro:.3f}"
            self.feedback.show_scores(run.metrics, "final")
        self._status.value = text
        self.feedback.save_with_run(run)


def _load_init(folder: Path | None) -> Any:
    """The pretrained run to start from, loaded here at the edge (None: none).

    ``load_run(resolve_run(folder))`` as a ``TrainedRun`` whose ``out`` is
    ``folder`` (the training functions take objects, not paths, and refuse to
    write into the folder of the run they start from).
    """
    if folder is None:
        return None
    from ...train import TrainedRun
    from ...train.run import load_run, resolve_run

    model, tokenizer, _ = load_run(resolve_run(folder))
    return TrainedRun(model=model, tokenizer=tokenizer, out=Path(folder))
