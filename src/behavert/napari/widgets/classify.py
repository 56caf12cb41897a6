"""The "Classify" dock widget: per-frame behaviour predictions as a layer.

After a prediction the widget lists the frames where the model is least
certain (uncertainty = 1 - the largest class probability), spread at least
``min_gap`` frames apart, so the next annotations go where they help most;
clicking a row moves the time slider there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from magicgui.widgets import ComboBox, FileEdit, SpinBox, Table

from ...errors import BehavertError
from ...io.poses import Poses
from .._notify import notify_error
from ..convert.behaviour import prediction_to_layer
from ..workers import Job
from ._common import JobWidget, base_name, optional_path, poses_of, set_layer

if TYPE_CHECKING:
    import napari

log = logging.getLogger(__name__)

__all__ = ["ClassifyWidget", "least_certain_frames"]

TABLE_COLUMNS = ["frame", "behaviour", "uncertainty"]


def least_certain_frames(
    probabilities: np.ndarray, n: int = 10, min_gap: int = 15
) -> np.ndarray:
    """Positions of the ``n`` least certain frames, ``min_gap`` frames apart.

    Parameters
    ----------
    probabilities
        ``(time, class)`` class probabilities.
    n
        Number of frames to return (fewer when the recording is short).
    min_gap
        Frames closer than this to an already chosen, less certain frame are
        skipped, so the list names separate moments rather than one bout.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` int positions on the ``time`` axis, least certain first.
    """
    uncertainty = 1.0 - np.asarray(probabilities).max(axis=1)
    chosen: list[int] = []
    for i in np.argsort(-uncertainty, kind="stable"):
        if all(abs(int(i) - j) >= min_gap for j in chosen):
            chosen.append(int(i))
            if len(chosen) == n:
                break
    return np.asarray(chosen, dtype=np.int64)


@dataclass
class _Classified:
    poses: Poses
    prediction: Any  # behavert.inference.FramePrediction
    layer_base: str


class ClassifyWidget(JobWidget):
    """Predict the behaviour of every frame of a pose layer with a trained run.

    Adds (or updates) the ``"<recording> behaviour"`` layer: the predicted
    behaviour as text and colour on every frame, with ``p_<class>`` and
    ``uncertainty`` features, and fills the table of least certain frames.

    Parameters
    ----------
    viewer
        The napari viewer whose pose layers are read.
    """

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        super().__init__(viewer)
        self._run_folder = FileEdit(mode="d", label="Classifier run")
        self._pose_layer = ComboBox(choices=self._pose_choices, label="Pose layer")
        self._n_uncertain = SpinBox(value=10, min=1, max=1000, label="Least certain")
        self._min_gap = SpinBox(value=15, min=1, max=100_000, label="Min gap (frames)")
        self._uncertain_table = Table(
            value={"data": [], "index": [], "columns": TABLE_COLUMNS}
        )
        self._uncertain_table.read_only = True
        controls = {
            "run_folder": self._run_folder,
            "pose_layer": self._pose_layer,
            "n_uncertain": self._n_uncertain,
            "min_gap": self._min_gap,
        }
        self._name_controls({**controls, "uncertain_table": self._uncertain_table})
        self.extend(list(controls.values()))
        self._add_job_controls("Classify")
        self.append(self._uncertain_table)
        self._uncertain_table.native.cellClicked.connect(
            self._on_uncertain_table_clicked
        )
        self._watch_layers()
        self.last_result: _Classified | None = None

    def _on_run_button_clicked(self, *_: object) -> Job | None:
        """Start the prediction in a worker; returns the job (None on bad input)."""
        try:
            folder = optional_path(self._run_folder.value)
            if folder is None:
                raise ValueError("choose the folder of a trained classifier run")
            name = self._pose_layer.value
            poses = poses_of(self._viewer, name)
        except (ValueError, BehavertError) as exc:
            notify_error(exc, "Classify")
            return None

        def body(ctx):
            from ...inference import predict_frames  # torch, off the main thread
            from ...train.run import load_run, resolve_run

            model, tokenizer, _ = load_run(resolve_run(folder))
            ctx.check()
            prediction = predict_frames(model, tokenizer, poses, progress=ctx.progress)
            return _Classified(poses, prediction, base_name(name))

        return self._start(body, "Classify", self._on_classified)

    def _on_classified(self, result: _Classified) -> None:
        pred, poses = result.prediction, result.poses
        names = np.asarray(pred.names)
        uncertainty = 1.0 - pred.probabilities.max(axis=1)
        set_layer(
            self._viewer,
            prediction_to_layer(
                poses,
                pred.names,
                pred.labels,
                pred.probabilities,
                name=f"{result.layer_base} behaviour",
            ),
        )
        rows = least_certain_frames(
            pred.probabilities, int(self._n_uncertain.value), int(self._min_gap.value)
        )
        table = pd.DataFrame(
            {
                "frame": poses.frame_index[rows].astype(int),
                "behaviour": names[pred.labels[rows]],
                "uncertainty": np.round(uncertainty[rows], 3),
            }
        )
        self._uncertain_table.value = {
            "data": table.values.tolist(),
            "index": list(range(len(table))),
            "columns": TABLE_COLUMNS,
        }
        self.last_result = result
        self._status.value = (
            f"Classify: {poses.n_frames} frames; least certain frame "
            f"{table['frame'].iloc[0]} ({table['uncertainty'].iloc[0]:.2f})"
            if len(table)
            else "Classify: done"
        )

    def _on_uncertain_table_clicked(self, row: int, _column: int = 0) -> Any:
        """Move the time slider to the frame of the clicked row."""
        frame = self._uncertain_table.data[row][0]
        self._viewer.dims.set_point(0, float(frame))
        return frame
