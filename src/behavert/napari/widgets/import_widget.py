"""The "Import poses" dock widget: load a pose file (and its video) as layers."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from magicgui.widgets import (
    ComboBox,
    Container,
    FileEdit,
    FloatSpinBox,
    Label,
    PushButton,
    SpinBox,
)
from napari.layers import Layer

from ...errors import BehavertError
from .._notify import notify_error, warnings_as_notifications
from .._reader import layers_for_poses, load_stitched
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
    the file's), max animals, and an Import button. Layers are added, or
    replaced in place when a layer of the same name exists (re-import).

    Max animals (SLEAP files): fragmented tracks (one animal split over
    several track IDs) are stitched into at most this many animals
    (``load_poses(max_individuals=...)``); 0 does what dropping the file on
    napari does (stitch into the usual number of animals per frame when there
    are at least twice as many tracks, see ``behavert.napari._reader``); a
    number at least the number of tracks keeps them as stored.

    Parameters
    ----------
    viewer
        The napari viewer to add layers to.
    """

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        super().__init__(labels=True)
        self._viewer = viewer
        self._project = FileEdit(mode="d", label="Project (optional)", nullable=True)
        self._project.tooltip = (
            "a DeepLabCut project (config.yaml) or a folder of SLEAP files: "
            "Open project lists its recordings (one per video)"
        )
        self._open_project = PushButton(text="Open project")
        self._recording = ComboBox(label="Recording", choices=[])
        self._project_files: dict[str, str] = {}
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
        self._max_animals = SpinBox(
            value=0, min=0, max=10_000, label="Max animals (0 = auto)"
        )
        self._max_animals.tooltip = (
            "SLEAP files: stitch fragmented tracks into at most this many animals; "
            "0: automatic (when there are far more tracks than animals per frame); "
            "the number of tracks or more keeps them as stored"
        )
        self._import_button = PushButton(text="Import")
        self._status = Label(value="")
        self._status.native.setWordWrap(True)  # a stitching note is long
        for control, name in [
            (self._project, "project"),
            (self._open_project, "open_project_button"),
            (self._recording, "recording"),
            (self._pose_file, "pose_file"),
            (self._video_file, "video_file"),
            (self._likelihood, "likelihood_threshold"),
            (self._fps, "fps"),
            (self._max_animals, "max_animals"),
            (self._import_button, "import_button"),
            (self._status, "status"),
        ]:
            control.native.setObjectName(name)
        self._import_button.changed.connect(self._on_import_button_clicked)
        self._open_project.changed.connect(self._on_open_project_button_clicked)
        self._recording.changed.connect(self._on_recording_changed)
        self.extend(
            [
                self._project,
                self._open_project,
                self._recording,
                self._pose_file,
                self._video_file,
                self._likelihood,
                self._fps,
                self._max_animals,
                self._import_button,
                self._status,
            ]
        )

    # ------------------------------------------------------------ handlers
    def _on_open_project_button_clicked(self, *_: object) -> list[str]:
        """List the project's recordings (`behavert.io.find_project`); the first
        becomes the pose file. Returns the recordings' file names."""
        from ...io.project import find_project

        path = optional_path(self._project.value)
        try:
            if path is None:
                raise ValueError("choose a project folder first")
            project = find_project(path)
        except (BehavertError, ValueError) as exc:
            notify_error(exc, "Import poses")
            self._status.value = f"project not opened: {exc}"
            return []
        self._project_files = {f.name: str(f) for f in project.files}
        names = list(self._project_files)
        self._recording.choices = names
        self._recording.value = names[0]
        self._on_recording_changed(names[0])
        kind = "DeepLabCut project" if project.kind == "dlc" else "SLEAP folder"
        self._status.value = (
            f"{kind} {project.path.name}: {len(names)} recording(s); "
            "choose one under Recording, then Import"
        )
        return names

    def _on_recording_changed(self, name: object = None) -> None:
        """The chosen recording of the project becomes the pose file."""
        path = self._project_files.get(str(name or self._recording.value))
        if path is not None:
            self._pose_file.value = path

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
                poses, note = load_stitched(
                    path,
                    int(self._max_animals.value),
                    video=video,
                    likelihood_threshold=threshold,
                )
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
            + (f". {note}" if note else "")
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
