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
import pandas as pd
from magicgui.widgets import Container, Label, ProgressBar, PushButton
from napari.layers import Layer

from ...io.labels import FrameLabels
from ...io.poses import Poses
from ..layers import poses_to_points
from ..workers import Job, start_job

if TYPE_CHECKING:
    import napari

log = logging.getLogger(__name__)

__all__ = [
    "ANNOTATIONS_KEY",
    "JobWidget",
    "annotation_names",
    "attention_layer",
    "base_name",
    "behaviour_layer",
    "motif_layer",
    "optional_path",
    "pose_layer_names",
    "poses_of",
    "resolve_run_folder",
    "set_layer",
    "show_colorbar",
]

#: ``metadata`` key of a keypoints layer holding its ``FrameLabels``.
ANNOTATIONS_KEY = "annotations"
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


def resolve_run_folder(folder: Path) -> Path:
    """A saved run (``config.json`` inside), also from a training ``out`` folder.

    Training writes its final model to ``<out>/model``; either folder may be
    chosen.
    """
    if not (folder / "config.json").exists() and (folder / "model").is_dir():
        return folder / "model"
    return folder


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
        if old._type_string == layer_type:
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
    from ..overlays import ensure_frame_window

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

    def _start(self, body, title: str, on_result) -> Job:
        """Start ``body`` as this widget's job (see ``workers.start_job``)."""
        self._job = start_job(
            body,
            title=title,
            progress=self._progress,
            status=self._status,
            run_button=self._run_button,
            cancel_button=self._cancel_button,
            on_result=on_result,
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
        """Refresh the pose-layer choices when layers come, go or are renamed."""
        events = self._viewer.layers.events
        events.inserted.connect(self.reset_choices)
        events.removed.connect(self.reset_choices)
        events.moved.connect(self.reset_choices)


# ------------------------------------------------------- layer converters
# The contract's converters live in ``behavert.napari.overlays`` (another
# module); until it is importable these minimal private ones are used.
def _per_frame(poses: Poses, frames: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Look up a per-frame ``(time,)`` value for every point's frame number."""
    positions = np.searchsorted(poses.frame_index, frames)
    return np.asarray(values)[np.clip(positions, 0, len(values) - 1)]


def _fallback_behaviour(
    poses: Poses, behaviour: np.ndarray, *, name: str, features: dict | None = None
) -> tuple:
    """One text point per frame (top-left of the poses) naming its behaviour."""
    xy = poses.position[..., :2]
    y0 = float(np.nanmin(xy[..., 1])) if np.isfinite(xy).any() else 0.0
    x0 = float(np.nanmin(xy[..., 0])) if np.isfinite(xy).any() else 0.0
    frames = poses.frame_index.astype(np.float64)
    data = np.column_stack([frames, np.full_like(frames, y0), np.full_like(frames, x0)])
    table = pd.DataFrame({"frame": poses.frame_index, "behaviour": behaviour})
    for key, value in (features or {}).items():
        table[key] = value
    table["behaviour"] = pd.Categorical(table["behaviour"].astype(str))
    kwargs = {
        "name": name,
        "ndim": 3,
        "features": table,
        "face_color": "behaviour",
        "size": 4.0,
        "text": {"string": "{behaviour}", "color": "white", "size": 12},
        "metadata": {"behavert_role": "behaviour", "poses": None},
    }
    return data, kwargs, "points"


def _fallback_keypoint_values(
    poses: Poses, column: str, values: np.ndarray, *, name: str
) -> tuple:
    data, kwargs, _ = poses_to_points(poses, name=name)
    kwargs["features"][column] = _per_frame(poses, data[:, 0], values)
    kwargs["metadata"] = {"behavert_role": column}
    kwargs.pop("face_color_cycle", None)
    return data, kwargs


def behaviour_layer(
    poses: Poses,
    behaviour: np.ndarray,
    *,
    name: str,
    features: dict | None = None,
    probabilities: np.ndarray | None = None,
    classes: list[str] | None = None,
) -> tuple:
    """Layer data of the behaviour per frame (names, ``(time,)``) as colour and text.

    ``features`` maps extra column names to ``(time,)`` per-frame values, copied
    onto every point of the frame; ``probabilities (time, class)`` in
    ``classes`` order add the predicted probability to the text.
    """
    try:
        from ..overlays import behaviour_to_layer
    except ImportError:
        return _fallback_behaviour(poses, behaviour, name=name, features=features)
    data, kwargs, kind = behaviour_to_layer(
        poses, behaviour, name=name, probabilities=probabilities, classes=classes
    )
    table = kwargs.get("features")
    if features and table is not None and "frame" in table:
        frames = table["frame"].to_numpy()
        for key, value in features.items():
            table[key] = _per_frame(poses, frames, value)
    return data, kwargs, kind


def attention_layer(poses: Poses, attention: np.ndarray, *, name: str) -> tuple:
    """Layer data of the keypoints coloured and sized by ``attention (time,)``."""
    try:
        from ..overlays import attention_to_layer
    except ImportError:
        data, kwargs = _fallback_keypoint_values(
            poses, "attention", attention, name=name
        )
        weight = kwargs["features"]["attention"].to_numpy()
        kwargs.update(
            face_color="attention",
            face_colormap="inferno",
            face_contrast_limits=(0.0, 1.0),
            size=kwargs["size"] * (0.5 + np.nan_to_num(weight)),
        )
        return data, kwargs, "points"
    return attention_to_layer(poses, attention, name=name)


def motif_layer(
    poses: Poses, motif: np.ndarray, motif_names: list[str], *, name: str
) -> tuple:
    """Layer data of the keypoints coloured by ``motif (time,)`` (-1 = none)."""
    try:
        from ..overlays import motifs_to_layer
    except ImportError:
        labels = np.array([motif_names[m] if m >= 0 else "none" for m in motif])
        data, kwargs = _fallback_keypoint_values(poses, "motif_name", labels, name=name)
        kwargs["features"]["motif_name"] = pd.Categorical(
            kwargs["features"]["motif_name"]
        )
        kwargs.update(face_color="motif_name")
        return data, kwargs, "points"
    return motifs_to_layer(poses, motif, motif_names, name=name)


def show_colorbar(layer: Layer) -> None:
    """Show the colour bar of a colormapped layer when napari has one."""
    try:
        from ..overlays import show_colorbar as show
    except ImportError:
        return
    show(layer)
