"""The "Annotate" dock widget: mark behaviour bouts while scrubbing the video.

Keyboard (bound on the viewer and on every layer, those added later included,
where they take precedence over the layers' own digit shortcuts: a Points
layer's ``2`` never switches it to adding points while this dock is open):

* ``1`` .. ``9``: toggle a bout of class 1..9 at the current frame: the first
  press starts it, the second press ends it (the bout covers both frames);
* ``Backspace``: delete the bouts under the current frame (and any open start).

The bouts table lists ``first`` and ``last`` frame (inclusive, the numbers of
the time slider) and the behaviour; cells can be edited and rows deleted. The
annotations are kept on the pose layer (``metadata["annotations"]``, a
``FrameLabels`` read by the Train classifier widget), drawn as the
``"<recording> annotations"`` layer, and saved / loaded as a CSV of 0/1 columns
(``behavert.io.labels``) or a BORIS events table (``behavert.io.boris``, in
seconds: the "Frame rate (fps)" field holds the poses' rate, and is where the
user gives it for a recording without video). The annotations layer is a
read-only overlay: it is never left selected and cannot be edited.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from magicgui.widgets import (
    ComboBox,
    Container,
    FileEdit,
    FloatSpinBox,
    Label,
    LineEdit,
    PushButton,
)
from magicgui.widgets import Table as _Table

from ...errors import BehavertError
from ...io.boris import Bout, bouts_to_labels, labels_to_bouts, save_boris
from ...io.bouts import mask_runs
from ...io.labels import FrameLabels, save_frame_labels
from ...io.poses import Poses
from .._notify import notify_error
from ..convert.behaviour import annotations_to_layer
from . import annotate_keys
from ._common import (
    ANNOTATIONS_KEY,
    annotation_names,
    base_name,
    labels_for_poses,
    optional_path,
    pose_layer_names,
    set_layer,
)

if TYPE_CHECKING:
    import napari

log = logging.getLogger(__name__)

__all__ = ["DELETE_KEY", "AnnotateWidget"]

DELETE_KEY = "Backspace"
BOUT_COLUMNS = ["first", "last", "behaviour"]


class AnnotateWidget(Container):
    """Define behaviour classes and mark, edit, save and load bouts.

    Parameters
    ----------
    viewer
        The napari viewer; keys 1-9 and Backspace are bound on it.
    """

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        super().__init__(labels=True)
        self._viewer = viewer
        self._classes: list[str] = []
        self._bouts: list[Bout] = []
        self._pending: dict[str, int] = {}
        self._refreshing = False
        self._pose_layer = ComboBox(
            choices=lambda *_: pose_layer_names(viewer), label="Pose layer"
        )
        self._class_name = LineEdit(label="New class")
        self._add_class_button = PushButton(text="Add class")
        self._classes_box = ComboBox(choices=self._class_choices, label="Classes")
        self._remove_class_button = PushButton(text="Remove class")
        self._keys = Label(value="")
        self._bout_table = _Table(
            value={"data": [], "index": [], "columns": BOUT_COLUMNS}
        )
        self._delete_button = PushButton(text="Delete selected bouts")
        self._file = FileEdit(
            mode="w", filter="Label files (*.csv *.txt)", label="File"
        )
        self._fps = FloatSpinBox(
            value=0.0, min=0.0, max=10_000.0, step=1.0, label="Frame rate (fps)"
        )
        self._fps.native.setToolTip(
            "Frames per second of the recording (BORIS times are in seconds); "
            "0 = unknown: enter it for a recording without video"
        )
        self._fps.native.setSpecialValueText("unknown")  # shown at 0, not "0.00"
        self._save_csv_button = PushButton(text="Save CSV")
        self._save_boris_button = PushButton(text="Save BORIS")
        self._load_button = PushButton(text="Load")
        self._stream = LineEdit(value="", label="CBA stream")
        self._stream.native.setPlaceholderText("first (S1, S2, ...)")
        self._status = Label(value="")
        self._status.native.setWordWrap(True)
        controls = {
            "pose_layer": self._pose_layer,
            "class_name": self._class_name,
            "add_class_button": self._add_class_button,
            "classes": self._classes_box,
            "remove_class_button": self._remove_class_button,
            "keys": self._keys,
            "bout_table": self._bout_table,
            "delete_button": self._delete_button,
            "file": self._file,
            "fps": self._fps,
            "save_csv_button": self._save_csv_button,
            "save_boris_button": self._save_boris_button,
            "stream": self._stream,
            "load_button": self._load_button,
            "status": self._status,
        }
        for name, control in controls.items():
            control.native.setObjectName(name)
            if name.endswith("_button"):  # handlers are _on_<name>_clicked
                control.changed.connect(getattr(self, f"_on_{name}_clicked"))
        self.extend(list(controls.values()))
        self._class_name.native.returnPressed.connect(self._on_add_class_button_clicked)
        self._pose_layer.changed.connect(self._on_pose_layer_changed)
        self._bout_table.native.itemChanged.connect(self._on_bout_table_changed)
        for event in ("inserted", "removed"):
            getattr(viewer.layers.events, event).connect(self._on_layers_changed)
        viewer.layers.events.inserted.connect(self._on_layer_inserted)
        annotate_keys.register(self)
        self._bind_keys([viewer, *viewer.layers])
        self._on_pose_layer_changed()

    # ---------------------------------------------------------- properties
    @property
    def classes(self) -> list[str]:
        """Behaviour classes; class ``k`` (0-based) is toggled by key ``k + 1``."""
        return list(self._classes)

    @property
    def bouts(self) -> list[Bout]:
        """Bouts as frame positions ``[start, stop)`` on the poses' time axis."""
        return list(self._bouts)

    @property
    def poses(self) -> Poses | None:
        """The poses being annotated (None when the viewer has none)."""
        name = self._pose_layer.value
        if not name or name not in self._viewer.layers:
            return None
        return self._viewer.layers[name].metadata.get("poses")

    def labels(self) -> FrameLabels:
        """The annotations as per-frame labels ``(time, class)``."""
        poses = self._need_poses()
        return bouts_to_labels(self._bouts, self._classes, poses.n_frames)

    def _class_choices(self, *_: object) -> list[str]:
        return list(self._classes)

    def _need_poses(self) -> Poses:
        poses = self.poses
        if poses is None:
            raise ValueError("no pose layer to annotate: import poses first")
        return poses

    # ------------------------------------------------------------ classes
    def add_class(self, name: str) -> None:
        """Add a behaviour class (its key is its position, 1-based)."""
        name = str(name).strip()
        if not name:
            raise ValueError("a class needs a name")
        if name in self._classes:
            raise ValueError(f"class {name!r} exists already")
        if name == "other":
            raise ValueError("'other' is the class of frames without a bout")
        self._classes.append(name)
        self._refresh()

    def _on_add_class_button_clicked(self, *_: object) -> None:
        try:
            self.add_class(self._class_name.value)
        except ValueError as exc:
            notify_error(exc, "Annotate")
            return
        self._class_name.value = ""

    def _on_remove_class_button_clicked(self, *_: object) -> None:
        """Remove the selected class and its bouts."""
        name = self._classes_box.value
        if name not in self._classes:
            return
        self._classes.remove(name)
        self._bouts = [b for b in self._bouts if b.behaviour != name]
        self._pending.pop(name, None)
        self._refresh()

    # ------------------------------------------------------ keys and bouts
    def _bind_keys(self, targets: list) -> None:
        """Bind 1-9 and Backspace on ``targets`` (``annotate_keys.bind_keys``)."""
        annotate_keys.bind_keys(self._viewer, targets, DELETE_KEY)

    def current_position(self) -> int:
        """Position on the poses' time axis of the time slider's frame."""
        poses = self._need_poses()
        frame = float(self._viewer.dims.point[0]) if self._viewer.dims.ndim else 0.0
        pos = int(np.searchsorted(poses.frame_index, round(frame)))
        return min(max(pos, 0), poses.n_frames - 1)

    def toggle_bout(self, k: int) -> Bout | None:
        """Start, or end, a bout of class ``k`` (0-based) at the current frame.

        Returns
        -------
        Bout or None
            The bout that was closed (None when one was only started).
        """
        try:
            if k >= len(self._classes):
                raise ValueError(f"no class {k + 1}: add classes first")
            name = self._classes[k]
            pos = self.current_position()
        except ValueError as exc:
            notify_error(exc, "Annotate")
            return None
        frame = self._frame(pos)
        if name not in self._pending:
            self._pending[name] = pos
            self._status.value = f"{name} from frame {frame}: press {k + 1} to end"
            return None
        start = self._pending.pop(name)
        bout = Bout(min(start, pos), max(start, pos) + 1, name)
        self._add_bout(bout)
        self._status.value = f"{name}: frames {self._frame(bout.start)}-{frame}"
        return bout

    def _add_bout(self, bout: Bout) -> None:
        """Add a bout; overlapping or touching bouts of its class merge.

        The class's bouts become the runs of the frames they cover
        (`behavert.io.bouts.mask_runs`).
        """
        same = [b for b in self._bouts if b.behaviour == bout.behaviour] + [bout]
        covered = np.zeros(max(b.stop for b in same), dtype=bool)
        for b in same:
            covered[b.start : b.stop] = True
        merged = [Bout(a, z, bout.behaviour) for a, z in mask_runs(covered)]
        others = [b for b in self._bouts if b.behaviour != bout.behaviour]
        self._bouts = sorted([*others, *merged])
        self._refresh()

    def delete_bout_at_cursor(self) -> list[Bout]:
        """Delete every bout under the current frame (and open starts)."""
        try:
            pos = self.current_position()
        except ValueError as exc:
            notify_error(exc, "Annotate")
            return []
        gone = [b for b in self._bouts if b.contains(pos)]
        self._bouts = [b for b in self._bouts if not b.contains(pos)]
        self._pending.clear()
        self._refresh()
        self._status.value = f"deleted {len(gone)} bout(s) at frame {self._frame(pos)}"
        return gone

    def _on_delete_button_clicked(self, *_: object) -> None:
        """Delete the bouts of the selected table rows."""
        rows = {i.row() for i in self._bout_table.native.selectedIndexes()}
        self._bouts = [b for i, b in enumerate(self._bouts) if i not in rows]
        self._refresh()

    def _on_bout_table_changed(self, *_: object) -> None:
        """Read edited cells back into bouts (invalid edits are undone)."""
        if self._refreshing:
            return
        poses = self.poses
        if poses is None:
            return
        try:
            bouts = []
            for first, last, name in self._bout_table.data:
                a, b = sorted((self._position(int(first)), self._position(int(last))))
                if str(name) not in self._classes:
                    raise ValueError(f"unknown class {name!r}; add it first")
                bouts.append(Bout(a, b + 1, str(name)))
        except (TypeError, ValueError) as exc:
            notify_error(exc, "Annotate")
        else:
            self._bouts = sorted(bouts)
        self._refresh()

    # ------------------------------------------------------------- files
    def _on_save_csv_button_clicked(self, *_: object) -> Path | None:
        """Save the annotations as a CSV (``frame`` + one 0/1 column per class).

        ``frame`` holds the poses' own frame numbers, so the file lines up with
        the pose file when it is read back (also when they do not start at 0).
        """

        def write(labels, path):
            frames = self.poses.frame_index if self.poses is not None else None
            return save_frame_labels(labels, path, frame_index=frames)

        return self._save(write)

    def _on_save_boris_button_clicked(self, *_: object) -> Path | None:
        """Save the annotations as a BORIS events table (times at "Frame rate")."""
        poses = self.poses
        subject = poses.individuals[0] if poses is not None else ""
        media = str(poses.video or "") if poses is not None else ""

        def write(labels, path):
            fps = float(self._fps.value)
            if not fps > 0:
                raise ValueError(
                    "BORIS times are in seconds and this recording has no frame "
                    "rate (no video): enter it in 'Frame rate (fps)' (e.g. 30) "
                    "and save again, or use Save CSV (frame numbers)"
                )
            return save_boris(labels, path, fps, subject=subject, media=media)

        return self._save(write)

    def _save(self, write) -> Path | None:
        try:
            path = optional_path(self._file.value)
            if path is None:
                raise ValueError("choose a file to save to")
            written = write(self.labels(), path)
        except (ValueError, OSError, BehavertError) as exc:
            self._fail("not saved", exc)
            return None
        self._status.value = f"saved {len(self._bouts)} bouts to {written.name}"
        return written

    def _fail(self, what: str, exc: BaseException) -> None:
        """Report a failed save / load in a notification and the status line."""
        notify_error(exc, "Annotate")
        self._status.value = f"{what}: {exc}"

    def _on_load_button_clicked(self, *_: object) -> FrameLabels | None:
        """Load a CSV / BORIS / SimBA / CBA label file; its classes are added.

        Caltech Behavior Annotator files give the stream named in "CBA stream"
        (default: the first), aligned on the poses' frame numbers; BORIS times
        are read at "Frame rate (fps)", or the table's own FPS when it is 0.
        """
        try:
            poses = self._need_poses()
            path = optional_path(self._file.value)
            if path is None:
                raise ValueError("choose a label file to load")
            labels = labels_for_poses(
                path,
                poses,
                fps=float(self._fps.value) or None,  # None: the table's FPS
                stream=self._stream.value.strip() or None,
            )
        except (ValueError, BehavertError) as exc:
            self._fail("not loaded", exc)
            return None
        self._adopt(labels)
        self._pending.clear()
        self._refresh()
        self._status.value = f"loaded {len(self._bouts)} bouts from {path.name}"
        return labels

    def _sync(self) -> None:
        """Show what another Annotate widget stored on the pose layer: its
        classes replace ours (a class removed there goes here too)."""
        self._classes = []
        self._on_pose_layer_changed()

    def _adopt(self, labels: FrameLabels) -> None:
        """Show these labels: their classes are added, their bouts replace ours."""
        self._classes += [n for n in labels.names if n not in self._classes]
        self._bouts = labels_to_bouts(labels)

    # ------------------------------------------------------------ syncing
    def _on_layers_changed(self, *_: object) -> None:
        previous = self._pose_layer.value
        self._pose_layer.reset_choices()
        if self._pose_layer.value != previous:
            self._on_pose_layer_changed()

    def _on_layer_inserted(self, event: object) -> None:
        """A layer added later (annotations, predictions...) gets the keys too."""
        self._bind_keys([event.value])

    def _on_pose_layer_changed(self, *_: object) -> None:
        """Show the chosen recording's annotations and frame rate."""
        poses = self.poses
        self._pending.clear()
        self._fps.value = float(poses.fps or 0.0) if poses is not None else 0.0
        if poses is None:
            self._bouts = []
            self._refresh(store=False)
            return
        name = self._pose_layer.value
        stored = self._viewer.layers[name].metadata.get(ANNOTATIONS_KEY)
        if isinstance(stored, FrameLabels) and stored.n_frames == poses.n_frames:
            self._adopt(stored)
        else:
            self._bouts = []
        self._refresh(store=False)

    def _frame(self, pos: int) -> int:
        poses = self.poses
        return int(poses.frame_index[pos]) if poses is not None else int(pos)

    def _position(self, frame: int) -> int:
        poses = self._need_poses()
        pos = int(np.searchsorted(poses.frame_index, frame))
        if pos >= poses.n_frames or poses.frame_index[pos] != frame:
            raise ValueError(f"frame {frame} is not a frame of the poses")
        return pos

    def _refresh(self, store: bool = True) -> None:
        """Redraw the table, class list and key legend; store the annotations."""
        self._refreshing = True
        try:
            self._classes_box.reset_choices()
            self._keys.value = "  ".join(
                f"{i + 1}: {n}" for i, n in enumerate(self._classes[:9])
            )
            rows = [
                [self._frame(b.start), self._frame(b.stop - 1), b.behaviour]
                for b in self._bouts
            ]
            self._bout_table.value = {
                "data": rows,
                "index": list(range(len(rows))),
                "columns": BOUT_COLUMNS,
            }
        finally:
            self._refreshing = False
        poses = self.poses
        if store and poses is not None and self._classes:
            labels = self.labels()
            self._viewer.layers[self._pose_layer.value].metadata[ANNOTATIONS_KEY] = (
                labels
            )
            self._draw(poses, labels)
            for peer in annotate_keys.peers(self):
                if peer._pose_layer.value == self._pose_layer.value:
                    peer._sync()

    def _draw(self, poses: Poses, labels: FrameLabels) -> None:
        """Update the ``"<recording> annotations"`` text layer (annotated frames).

        The layer is read-only (``editable`` False: no mode but pan/zoom) and
        the layer selected before stays selected (napari selects a new layer).
        """
        selection = self._viewer.layers.selection
        before = selection.active.name if selection.active is not None else None
        layer = set_layer(
            self._viewer,
            annotations_to_layer(
                poses,
                annotation_names(labels),
                name=f"{base_name(self._pose_layer.value)} annotations",
                classes=labels.names,
            ),
        )
        layer.editable = False  # reset by napari whenever its data is set
        layers = self._viewer.layers
        keep = before if before is not None and before in layers else None
        keep = keep or self._pose_layer.value
        if keep != layer.name and keep in layers:
            selection.active = layers[keep]
