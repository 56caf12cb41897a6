"""The "Import poses" dock widget: load a pose file (and its video) as layers."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from magicgui.widgets import (
    Container,
    FileEdit,
    FloatSpinBox,
    Label,
    PushButton,
)
from napari.layers import Layer

from ...errors import BehavertError
from ...io.load import load_poses
from .._notify import notify_error, warnings_as_notifications
from .._reader import layers_for_poses
from ..frame_window import ensure_frame_window
from ._common import optional_path

if TYPE_CHECKING:
    import napari

log = logging.getLogger(__name__)

__all__ = ["ImportPosesWidget"]

POSE_FILTER = "Pose files (*.slp *.h5 *.csv)"
VIDEO_FILTER = "Videos (*.mp4 *.avi *.mov *.mkv)"


class ImportPosesWidget(Container):
    """Import DeepLabCut / SLEAP poses on their video into the viewer.

    Controls: pose file, optional video (found next to the pose file when
    empty), likelihood threshold (0 keeps every point), fps override (0 keeps
    the file's), and an Import button. Layers are added, or replaced in place
    when a layer of the same name exists (re-import).

    Parameters
    ----------
    viewer
        The napari viewer to add layers to.
    """

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        super().__init__(labels=True)
        self._viewer = viewer
        self._pose_file = FileEdit(mode="r", filter=POSE_FILTER, label="Pose file")
        self._video_file = FileEdit(
            mode="r", filter=VIDEO_FILTER, label="Video (optional)", nullable=True
        )
        self._likelihood = FloatSpinBox(
            value=0.0, min=0.0, max=1.0, step=0.05, label="Likelihood threshold"
        )
        self._fps = FloatSpinBox(
            value=0.0, min=0.0, max=10000.0, step=1.0, label="fps (0 = from file)"
        )
        self._import_button = PushButton(text="Import")
        self._status = Label(value="")
        for control, name in [
            (self._pose_file, "pose_file"),
            (self._video_file, "video_file"),
            (self._likelihood, "likelihood_threshold"),
            (self._fps, "fps"),
            (self._import_button, "import_button"),
            (self._status, "status"),
        ]:
            control.native.setObjectName(name)
        self._import_button.changed.connect(self._on_import_button_clicked)
        self.extend(
            [
                self._pose_file,
                self._video_file,
                self._likelihood,
                self._fps,
                self._import_button,
                self._status,
            ]
        )

    # ------------------------------------------------------------ handlers
    def _on_import_button_clicked(self, *_: object) -> list[Layer]:
        """Load the chosen file and add or update its layers.

        Returns
        -------
        list of napari.layers.Layer
            The layers now in the viewer (empty after an error).
        """
        path = optional_path(self._pose_file.value)
        if path is None:
            notify_error(ValueError("choose a pose file first"), "Import poses")
            return []
        video = optional_path(self._video_file.value)
        threshold = self._likelihood.value or None
        try:
            with warnings_as_notifications():
                poses = load_poses(path, video=video, likelihood_threshold=threshold)
                if self._fps.value > 0:
                    poses = poses.replace(fps=float(self._fps.value))
                layer_data = layers_for_poses(poses, video=video)
        except BehavertError as exc:
            notify_error(exc, "Import poses")
            self._status.value = "import failed"
            return []
        layers = [self._add_or_replace(*item) for item in layer_data]
        self._status.value = (
            f"{poses.n_frames} frames, {poses.n_individuals} individuals, "
            f"{poses.n_keypoints} keypoints"
            + (f", video {poses.video.name}" if poses.video else ", no video")
        )
        return layers

    # ------------------------------------------------------------- helpers
    def _add_or_replace(self, data: object, kwargs: dict, layer_type: str) -> Layer:
        """Add a layer, or put it in place of the same-named layer (same position)."""
        layer = Layer.create(data, kwargs, layer_type)
        layers = self._viewer.layers
        name = kwargs["name"]
        if name in layers:
            index = layers.index(name)
            old = layers[index]
            layer.visible = old.visible
            # remove + insert: napari's canvas does not support layers[i] = new
            layers.remove(old)
            layers.insert(index, layer)
        else:
            layers.append(layer)
        ensure_frame_window(self._viewer, layer)  # long recordings: slide a window
        return layer
