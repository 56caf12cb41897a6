"""The "Analyze" dock widget: attention and motif layers, and exported reports."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from magicgui.widgets import CheckBox, ComboBox, FileEdit, Select, SpinBox

from ...errors import BehavertError
from ...io.labels import FrameLabels
from ...io.poses import Poses
from .._notify import notify_error
from ..workers import Job
from ._common import (
    ANNOTATIONS_KEY,
    JobWidget,
    annotation_names,
    attention_layer,
    base_name,
    behaviour_layer,
    motif_layer,
    optional_path,
    poses_of,
    resolve_run_folder,
    set_layer,
    show_colorbar,
)

if TYPE_CHECKING:
    import napari

log = logging.getLogger(__name__)

__all__ = ["AnalyzeWidget"]

METHODS = ("kmeans", "gmm", "hdbscan")


@dataclass
class _Analysed:
    poses: list[Poses]
    bases: list[str]
    result: Any  # behavert.report.RunsAnalysis
    written: Path | None


def _export(result: Any, out: Path, annotations: list) -> Path:
    """Write the analysis tables and figures (``behavert.report.write_analysis``)."""
    from ...report import write_analysis

    out.mkdir(parents=True, exist_ok=True)
    write_analysis(result, out, annotations=annotations)
    return out


class AnalyzeWidget(JobWidget):
    """Explain a trained run on the chosen recordings, on the video.

    Runs ``behavert.report.analyze_runs`` (one motif clustering shared by all
    chosen recordings) and adds or updates, per recording, the
    ``"<recording> attention"`` layer (keypoints coloured and sized by each
    frame's importance for the model's decision) and the
    ``"<recording> motifs"`` layer (keypoints coloured by motif); with a frame
    classifier run also ``"<recording> behaviour"``. With an export folder the
    CSV tables and PNG/SVG figures are written there
    (``behavert.report.write_analysis``).

    Parameters
    ----------
    viewer
        The napari viewer whose pose layers are read.
    """

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        super().__init__(viewer)
        self._run_folder = FileEdit(mode="d", label="Model run")
        self._frame_run = FileEdit(mode="d", label="Classifier run (optional)")
        self._pose_layers = Select(choices=self._pose_choices, label="Pose layers")
        self._n_motifs = SpinBox(value=0, min=0, max=100, label="Motifs (0 = auto)")
        self._method = ComboBox(choices=METHODS, value="kmeans", label="Clustering")
        self._min_bout = SpinBox(value=5, min=1, max=10_000, label="Min bout (frames)")
        self._attribution = CheckBox(value=True, text="Attribution (sequence models)")
        self._export_folder = FileEdit(mode="d", label="Export folder (optional)")
        controls = {
            "run_folder": self._run_folder,
            "frame_run": self._frame_run,
            "pose_layers": self._pose_layers,
            "n_motifs": self._n_motifs,
            "method": self._method,
            "min_bout": self._min_bout,
            "attribution": self._attribution,
            "export_folder": self._export_folder,
        }
        self._name_controls(controls)
        self.extend(list(controls.values()))
        self._compact(self._pose_layers)
        self._add_job_controls("Analyze")
        self._watch_layers()
        self.last_result: _Analysed | None = None

    def _on_run_button_clicked(self, *_: object) -> Job | None:
        """Start the analysis in a worker; returns the job (None on bad input)."""
        try:
            folder = optional_path(self._run_folder.value)
            if folder is None:
                raise ValueError("choose the folder of a trained run")
            folder = resolve_run_folder(folder)
            frame_folder = optional_path(self._frame_run.value)
            if frame_folder is not None:
                frame_folder = resolve_run_folder(frame_folder)
            names = list(self._pose_layers.value)
            if not names:
                raise ValueError("choose at least one pose layer")
            poses_list = [poses_of(self._viewer, n) for n in names]
        except (ValueError, BehavertError) as exc:
            notify_error(exc, "Analyze")
            return None
        options = {
            "n_motifs": int(self._n_motifs.value) or None,
            "method": self._method.value,
            "min_bout": int(self._min_bout.value),
            "attribution": bool(self._attribution.value),
        }
        out = optional_path(self._export_folder.value)
        bases = [base_name(n) for n in names]
        annotations = []  # per recording: (time,) annotated names, or None
        for n, poses in zip(names, poses_list):
            labels = self._viewer.layers[n].metadata.get(ANNOTATIONS_KEY)
            ok = isinstance(labels, FrameLabels) and labels.n_frames == poses.n_frames
            annotations.append(annotation_names(labels) if ok else None)
        if all(a is None for a in annotations):
            annotations = None

        def body(ctx):
            from ...report import analyze_runs  # torch, off the main thread
            from ...train.run import load_run

            model, tokenizer, _ = load_run(folder)
            frame_model = None
            if frame_folder is not None:
                frame_model, _, _ = load_run(frame_folder)
            ctx.check()
            result = analyze_runs(
                model,
                tokenizer,
                poses_list,
                frame_model=frame_model,
                progress=ctx.progress,
                **options,
            )
            ctx.check()
            written = _export(result, out, annotations) if out is not None else None
            return _Analysed(poses_list, bases, result, written)

        return self._start(body, "Analyze", self._on_analysed)

    def _on_analysed(self, analysed: _Analysed) -> None:
        for poses, base, rec in zip(
            analysed.poses, analysed.bases, analysed.result.recordings
        ):
            frames = rec.frames
            layer = set_layer(
                self._viewer,
                attention_layer(
                    poses, frames["attention"].to_numpy(), name=f"{base} attention"
                ),
            )
            show_colorbar(layer)
            set_layer(
                self._viewer,
                motif_layer(
                    poses,
                    frames["motif"].to_numpy(),
                    list(rec.motif_names),
                    name=f"{base} motifs",
                ),
            )
            if "behaviour" in frames:
                columns = [c for c in frames if c.startswith("p_")]
                extra = {c: frames[c].to_numpy() for c in columns}
                extra["uncertainty"] = frames["uncertainty"].to_numpy()
                set_layer(
                    self._viewer,
                    behaviour_layer(
                        poses,
                        np.asarray(frames["behaviour"].astype(str)),
                        name=f"{base} behaviour",
                        features=extra,
                        probabilities=frames[columns].to_numpy(),
                        classes=[c[2:] for c in columns],
                    ),
                )
        self.last_result = analysed
        first = analysed.result.recordings[0]
        text = f"Analyze: {len(first.motif_names)} motifs"
        if first.attribution is not None and len(first.attribution):
            top = first.attribution.sort_values("attribution", ascending=False)
            text += f"; top cue {top.index[0]}"
        if analysed.written is not None:
            text += f"; written to {analysed.written}"
        self._status.value = text
