"""The "Train classifier" dock widget: fine-tune a per-frame behaviour classifier."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from magicgui.widgets import ComboBox, Container, FileEdit, Select, SpinBox

from ...errors import BehavertError
from ...io.labels import FrameLabels, load_frame_labels
from ...train.config import TrainConfig
from .._notify import notify_error, warnings_as_notifications
from ..workers import Job
from ._common import (
    ANNOTATIONS_KEY,
    JobWidget,
    optional_path,
    poses_of,
    resolve_run_folder,
)
from .mapping_table import KeypointMappingWidget
from .pretrain import PRESETS

if TYPE_CHECKING:
    import napari

log = logging.getLogger(__name__)

__all__ = ["TrainClassifierWidget"]

LABEL_FILTER = "Label tables (*.csv)"


class TrainClassifierWidget(JobWidget):
    """Train a frame classifier from annotated pose layers.

    Each chosen pose layer needs labels: the Annotate widget's annotations
    (stored on the layer), or, for a single layer, a labels file (CSV with 0/1
    columns or a behaviour column, a BORIS or SimBA table). Frames without a
    behaviour form the ``"other"`` class. The encoder starts from a pretrained
    run folder when one is chosen (else from scratch with the preset), and the
    trained classifier is saved to ``<output>/model`` for the Classify widget.

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
        self._pose_layers = Select(choices=self._pose_choices, label="Pose layers")
        self._labels_file = FileEdit(
            mode="r", filter=LABEL_FILTER, label="Labels file (optional)", nullable=True
        )
        self._init_run = FileEdit(mode="d", label="Pretrained run (optional)")
        self._preset = ComboBox(choices=PRESETS, value="tiny", label="Model size")
        self._steps = SpinBox(value=200, min=1, max=1_000_000, label="Steps")
        self._window = SpinBox(value=64, min=64, max=512, step=32, label="Window")
        self._batch_size = SpinBox(value=8, min=1, max=1024, label="Batch size")
        self._seed = SpinBox(value=0, min=0, max=2**31 - 1, label="Seed")
        self._output = FileEdit(mode="d", label="Output folder")
        self._realign_steps = SpinBox(
            value=100, min=0, max=1_000_000, label="Realign steps"
        )
        self._mapping_slot = Container(labels=False, visible=False)
        controls = {
            "pose_layers": self._pose_layers,
            "labels_file": self._labels_file,
            "init_run": self._init_run,
            "realign_steps": self._realign_steps,
            "mapping_slot": self._mapping_slot,
            "preset": self._preset,
            "steps": self._steps,
            "window": self._window,
            "batch_size": self._batch_size,
            "seed": self._seed,
            "output_folder": self._output,
        }
        self._name_controls(controls)
        self.extend(list(controls.values()))
        self._compact(self._pose_layers)
        self._add_job_controls("Train")
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
        try:
            folder = resolve_run_folder(init)
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

    def train_config(self) -> TrainConfig:
        """The ``TrainConfig`` built from the controls."""
        return TrainConfig(
            max_steps=int(self._steps.value),
            window=int(self._window.value),
            batch_size=int(self._batch_size.value),
            seed=int(self._seed.value),
            warmup_steps=min(10, max(0, int(self._steps.value) // 10)),
        )

    def labels_for(self, names: list[str]) -> list[FrameLabels]:
        """The labels of each chosen pose layer (file, else its annotations)."""
        path = optional_path(self._labels_file.value)
        if path is not None and len(names) != 1:
            raise ValueError("a labels file needs exactly one pose layer")
        out = []
        for name in names:
            poses = poses_of(self._viewer, name)
            if path is not None:
                with warnings_as_notifications():
                    labels = load_frame_labels(
                        path, n_frames=poses.n_frames, fps=poses.fps
                    )
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
            if init is not None:
                init = resolve_run_folder(init)
            tc = self.train_config()
            self._refresh_mapping()
            if (
                self._mapping_widget is not None
                and len({poses.keypoints for poses in poses_list}) != 1
            ):
                raise ValueError(
                    "the chosen pose layers have different skeletons: transfer "
                    "needs one skeleton"
                )
        except (ValueError, BehavertError) as exc:
            notify_error(exc, "Train classifier")
            return None
        preset = self._preset.value
        mapping = self._mapping_widget.mapping if self._mapping_widget else None
        realign = int(self._realign_steps.value)

        def body(ctx):
            from ...train import (
                finetune_frames,
                run_to_end,
            )  # torch, off the main thread

            if mapping is not None:
                from ...train.transfer import transfer

                gen = transfer(
                    init,
                    None,
                    poses_list,
                    mapping,
                    labels_list=labels_list,
                    realign_steps=realign,
                    train_config=tc,
                    out=out,
                    cancel=ctx.cancelled,
                )
                return run_to_end(gen, ctx.train_event)
            gen = finetune_frames(
                poses_list,
                labels_list,
                init,
                config=preset,
                train_config=tc,
                out=out,
                cancel=ctx.cancelled,
            )
            return run_to_end(gen, ctx.train_event)

        return self._start(body, "Train classifier", self._on_trained)

    def _on_trained(self, run: Any) -> None:
        self.last_run = run
        classes = ", ".join(run.model.config.frame_labels)
        where = f"saved to {run.out / 'model'}" if run.out else "done"
        self._status.value = f"Train classifier: {where}; classes {classes}"
