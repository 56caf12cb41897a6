"""Interop with movement, the field's xarray pose container (optional extra).

movement (https://movement.neuroinformatics.dev) holds poses as an
``xarray.Dataset`` with ``position`` ``(time, space, keypoints, individuals)``
and ``confidence`` ``(time, keypoints, individuals)``, ``fps`` and
``time_unit`` in its attributes. `to_movement` builds one with movement's own
``from_numpy`` (so it is valid by movement's rules); `from_movement` reads any
movement poses dataset back into `Poses`, keeping the frame numbers (time in
seconds is turned back into frames with ``fps``). Two conventions differ and
`from_movement` applies behavert's: a missing point's confidence is NaN
(movement's loaders give 0 for some SLEAP files), and a file without scores
has confidence 1.0 where points are tracked (movement: NaN).

Install with ``pip install "napari-behavert[movement]"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import BehavertError, FileProblemError
from .poses import Poses

__all__ = ["from_movement", "to_movement"]

#: Poses.source -> movement's ``source_software`` (others are kept as they are)
_SOFTWARE = {"dlc": "DeepLabCut", "sleap": "SLEAP", "sleap_analysis": "SLEAP"}


def _movement_io():
    try:
        from movement.io import load_poses
    except ImportError as error:
        raise BehavertError(
            "movement is not installed: pip install 'napari-behavert[movement]'"
        ) from error
    return load_poses


def to_movement(poses: Poses):
    """A movement poses dataset of ``poses`` (xarray; movement must be installed).

    The ``time`` coordinate is the recording's own frame numbers, in seconds
    when ``poses.fps`` is known (movement's convention) and in frames
    otherwise; ``source_file`` is the pose file.
    """
    load_poses = _movement_io()
    position = np.transpose(poses.position, (0, 3, 2, 1))
    confidence = np.transpose(poses.confidence, (0, 2, 1))
    ds = load_poses.from_numpy(
        position,
        confidence,
        individual_names=list(poses.individuals),
        keypoint_names=list(poses.keypoints),
        fps=poses.fps,
        source_software=_SOFTWARE.get(poses.source, poses.source),
    )
    frames = poses.frame_index
    if frames is not None and not np.array_equal(frames, np.arange(poses.n_frames)):
        time = np.asarray(frames, dtype=float)
        ds = ds.assign_coords(time=time / poses.fps if poses.fps else time)
    if poses.path is not None:
        ds.attrs["source_file"] = str(poses.path)
    return ds


def _frame_numbers(ds: Any, fps: float | None, where) -> np.ndarray:
    time = np.asarray(ds["time"].values, dtype=float)
    if ds.attrs.get("time_unit") == "seconds":
        if not fps:
            raise FileProblemError(where, "time is in seconds but fps is missing")
        time = time * fps
    frames = np.rint(time)
    if not np.allclose(frames, time, atol=1e-3):
        raise FileProblemError(
            where, "time values are not whole frames; resample the dataset first"
        )
    return frames.astype(np.int64)


def from_movement(ds: Any) -> Poses:
    """`Poses` of a movement poses dataset (``ds_type`` "poses").

    Raises
    ------
    FileProblemError
        Naming the dataset's ``source_file`` (when it has one) when it is not
        a poses dataset (no ``position``, bounding boxes) or its time is not
        in whole frames.
    """
    source_file = ds.attrs.get("source_file")
    where = Path(source_file) if source_file else None
    if "position" not in ds or ds.attrs.get("ds_type", "poses") != "poses":
        raise FileProblemError(
            where, "not a movement poses dataset (needs a 'position' variable)"
        )
    position = ds["position"].transpose("time", "individuals", "keypoints", "space")
    values = np.asarray(position.values, dtype=float)
    if "confidence" in ds:
        confidence = ds["confidence"].transpose("time", "individuals", "keypoints")
        confidence = np.array(confidence.values, dtype=float)
    else:
        confidence = np.ones(values.shape[:3])
    missing = np.isnan(values).any(-1)
    if np.isnan(confidence).all():  # the file stored no scores: behavert says 1.0
        confidence[:] = 1.0
    confidence[missing] = np.nan  # behavert: a missing point's confidence is NaN
    fps = ds.attrs.get("fps")
    fps = float(fps) if fps else None
    software = ds.attrs.get("source_software") or "movement"
    return Poses(
        position=values,
        confidence=confidence,
        keypoints=tuple(str(k) for k in ds["keypoints"].values),
        individuals=tuple(str(i) for i in ds["individuals"].values),
        fps=fps,
        source=f"movement:{software}",
        frame_index=_frame_numbers(ds, fps, where),
        path=where,
    )
