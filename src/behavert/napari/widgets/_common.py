"""Pieces shared by the workflow dock widgets (pose-layer pickers, job controls).

The poses of a recording live in its keypoints layer's
``metadata["poses"]`` (set by the reader and the Import widget); annotations
made with the Annotate widget live next to them in
``metadata["annotations"]`` (a :class:`~behavert.io.labels.FrameLabels`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from magicgui.widgets import (
    ComboBox,
    Container,
    FileEdit,
    Label,
    ProgressBar,
    PushButton,
    Select,
    SpinBox,
)
from napari.layers import Layer

from ...io.labels import FrameLabels, load_frame_labels
from ...io.poses import Poses
from ...train.config import TrainConfig
from .._notify import warnings_as_notifications
from ..workers import Job, start_job
from .elide import elide_choices

if TYPE_CHECKING:
    import napari

log = logging.getLogger(__name__)

__all__ = [
    "ANNOTATIONS_KEY",
    "PRESETS",
    "JobWidget",
    "TrainingWidget",
    "annotation_names",
    "base_name",
    "optional_path",
    "pose_layer_names",
    "poses_of",
    "set_layer",
]

#: ``metadata`` key of a keypoints layer holding its ``FrameLabels``.
ANNOTATIONS_KEY = "annotations"
#: Model sizes of the training docks (``BehavertConfig.from_preset``).
PRESETS = ("tiny", "small", "base")
_SUFFIX = " keypoints"


def optional_path(value: object) -> Path | None:
    """A path from a FileEdit value, or None when it is empty."""
    if value is None or str(value) in ("", "."):
        return None
    return Path(str(value))


def pose_layer_names(viewer: napari.viewer.Viewer) -> list[str]:
    """Names of the layers carrying poses (``metadata["poses"]``), in order."""
    return [
        layer.name
        for layer in viewer.layers
        if isinstance(layer.metadata.get("poses"), Poses)
        and layer.metadata.get("behavert_role", "keypoints") == "keypoints"
    ]


def poses_of(viewer: napari.viewer.Viewer, name: str) -> Poses:
    """The poses of the pose layer called ``name``."""
    if not name or name not in viewer.layers:
        raise ValueError(f"no pose layer named {name!r} in the viewer")
    poses = viewer.layers[name].metadata.get("poses")
    if not isinstance(poses, Poses):
        raise ValueError(f"layer {name!r} carries no poses")
    return poses


def labels_for_poses(path: Path, poses: Poses, **options: Any) -> FrameLabels:
    """A label file aligned to ``poses`` by their frame numbers.

    Its warnings (frames trimmed, bouts dropped, ...) become napari
    notifications. ``options`` go to ``load_frame_labels`` (``stream``, and
    ``fps``, which defaults to the poses' frame rate).
    """
    options.setdefault("fps", poses.fps)
    with warnings_as_notifications():
        return load_frame_labels(
            path, n_frames=poses.n_frames, frame_index=poses.frame_index, **options
        )


def base_name(layer_name: str) -> str:
    """``"<name> keypoints"`` -> ``"<name>"`` (the prefix of a recording's layers)."""
    if layer_name.endswith(_SUFFIX):
        return layer_name[: -len(_SUFFIX)]
    return layer_name


def annotation_names(labels: FrameLabels) -> np.ndarray:
    """``(time,)`` annotated behaviour of each frame ("" for none, "a+b" overlaps)."""
    positive = np.asarray(labels.values) > 0.5  # (time, class)
    text = np.full(labels.n_frames, "", dtype=object)
    for k, name in enumerate(labels.names):
        on = positive[:, k]
        text[on] = np.where(text[on] == "", name, text[on] + "+" + name)
    return text.astype(str)


def set_layer(viewer: napari.viewer.Viewer, layer_data: tuple) -> Layer:
    """Add a ``(data, kwargs, layer_type)`` layer, or update the same-named one.

    A layer of the same name and type is updated in place (data, features,
    colours, text, metadata), so a re-run keeps its position, visibility and
    the user's display settings; otherwise it is replaced at the same position.
    """
    data, kwargs, layer_type = layer_data
    name = kwargs["name"]
    layers = viewer.layers
    if name in layers:
        old = layers[name]
        # "points", "vectors", ...; a dock's viewer proxy forwards __class__
        if old.__class__.__name__.lower() == layer_type:
            try:
                _update_in_place(old, data, kwargs)
                return old
            except (AttributeError, TypeError, ValueError, KeyError) as exc:
                log.debug("replacing layer %r (%s)", name, exc)
        layer = Layer.create(data, kwargs, layer_type)
        index = layers.index(name)
        layer.visible = old.visible
        layers.remove(old)
        layers.insert(index, layer)
        _window_if_long(viewer, layer)
        return layer
    layer = Layer.create(data, kwargs, layer_type)
    layers.append(layer)
    _window_if_long(viewer, layer)
    return layer


def _window_if_long(viewer, layer) -> None:
    """Long recordings: keep only frames near the current one in the layer."""
    from ..frame_window import ensure_frame_window

    ensure_frame_window(viewer, layer)


_CONSTRUCTOR_ONLY = {"name", "ndim", "features", "properties", "rgb", "multiscale"}
# colour maps / cycles must be set before the colour that uses them
_FIRST = ("face_color_cycle", "face_colormap", "face_contrast_limits")


def _update_in_place(layer: Layer, data: Any, kwargs: dict) -> None:
    features = kwargs.get("features")
    if features is not None and len(features) != len(data):
        raise ValueError("features and data lengths differ")
    layer.data = data
    if features is not None:
        layer.features = features
    keys = [k for k in _FIRST if k in kwargs]
    keys += [k for k in kwargs if k not in _FIRST and k not in _CONSTRUCTOR_ONLY]
    for key in keys:
        if not hasattr(layer, key):
            raise AttributeError(f"cannot set {key!r} on {layer}")
        setattr(layer, key, kwargs[key])
    layer.refresh()


class JobWidget(Container):
    """A dock widget running one job at a time: Run, Cancel, progress, status.

    Subclasses add their controls, then call :meth:`_add_job_controls` and
    implement ``_on_run_button_clicked``.
    """

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        super().__init__(labels=True)
        self._viewer = viewer
        self._job: Job | None = None

    def _name_controls(self, controls: dict[str, Any]) -> None:
        for name, control in controls.items():
            control.native.setObjectName(name)

    def _add_job_controls(self, run_text: str) -> None:
        self._run_button = PushButton(text=run_text)
        self._cancel_button = PushButton(text="Cancel", enabled=False)
        self._progress = ProgressBar(value=0, min=0, max=1, label="Progress")
        self._status = Label(value="")
        self._status.native.setWordWrap(True)  # long paths must not widen the dock
        self._name_controls(
            {
                "run_button": self._run_button,
                "cancel_button": self._cancel_button,
                "progress": self._progress,
                "status": self._status,
            }
        )
        self._run_button.changed.connect(self._on_run_button_clicked)
        self._cancel_button.changed.connect(self._on_cancel_button_clicked)
        self.extend([self._run_button, self._cancel_button, self._progress])
        self.append(self._status)

    def _on_run_button_clicked(self, *_: object) -> Job | None:  # pragma: no cover
        raise NotImplementedError

    def _on_cancel_button_clicked(self, *_: object) -> None:
        """Stop the running job between steps."""
        if self._job is not None:
            self._job.cancel()

    def _start(self, body, title: str, on_result, on_event=None) -> Job:
        """Start ``body`` as this widget's job (see ``workers.start_job``);
        ``on_event`` gets each training event on the main thread."""
        self._job = start_job(
            body,
            title=title,
            progress=self._progress,
            status=self._status,
            run_button=self._run_button,
            cancel_button=self._cancel_button,
            on_result=on_result,
            on_event=on_event,
        )
        return self._job

    @property
    def job(self) -> Job | None:
        """The last job started by this widget."""
        return self._job

    def _compact(self, select: Any) -> None:
        """Keep a multi-choice list short (a few recordings fit)."""
        select.native.setMaximumHeight(90)

    def _pose_choices(self, *_: object) -> list[str]:
        return pose_layer_names(self._viewer)

    def _watch_layers(self) -> None:
        """Refresh the pose-layer choices when layers come, go or are renamed.

        Long layer names are elided in the middle, whole in a tooltip
        (:func:`~behavert.napari.widgets.elide.elide_choices`).
        """
        elide_choices(self.native)
        events = self._viewer.layers.events
        events.inserted.connect(self.reset_choices)
        events.removed.connect(self.reset_choices)
        events.moved.connect(self.reset_choices)


class TrainingWidget(JobWidget):
    """A dock that trains a model on pose layers (Pretrain, Train classifier).

    :meth:`_training_controls` makes the shared controls; the window goes to
    the training function as ``window=`` (an architecture setting of the
    model), the rest into :meth:`train_config`.
    """

    def _training_controls(self) -> dict[str, Any]:
        """Pose layers, preset, steps, window, batch size, seed and output."""
        self._pose_layers = Select(choices=self._pose_choices, label="Pose layers")
        self._preset = ComboBox(choices=PRESETS, value="tiny", label="Model size")
        self._steps = SpinBox(value=200, min=1, max=1_000_000, label="Steps")
        self._window = SpinBox(value=64, min=64, max=512, step=32, label="Window")
        self._batch_size = SpinBox(value=8, min=1, max=1024, label="Batch size")
        self._seed = SpinBox(value=0, min=0, max=2**31 - 1, label="Seed")
        self._output = FileEdit(mode="d", label="Output folder")
        return {
            "pose_layers": self._pose_layers,
            "preset": self._preset,
            "steps": self._steps,
            "window": self._window,
            "batch_size": self._batch_size,
            "seed": self._seed,
            "output_folder": self._output,
        }

    def train_config(self, **recipe: Any) -> TrainConfig:
        """The ``TrainConfig`` built from the controls over ``recipe``."""
        steps = int(self._steps.value)
        return TrainConfig(
            **{
                "warmup_steps": min(10, max(0, steps // 10)),
                **recipe,
                "max_steps": steps,
                "batch_size": int(self._batch_size.value),
                "seed": int(self._seed.value),
            }
        )

    @property
    def window(self) -> int:
        """Frames per window of the model to train (``window=``)."""
        return int(self._window.value)
