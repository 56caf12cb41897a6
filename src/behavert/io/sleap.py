"""SLEAP poses: ``.slp`` through sleap-io and analysis ``.h5`` through h5py.

``.slp``: ``sleap_io.load_slp`` then ``Labels.numpy(return_confidence=True)``,
which puts user instances before predicted ones of the same track (or linked by
``from_predicted``) and gives user points a confidence of 1.0. Named tracks
become individuals, in the file's track order (fragmented tracks stay separate
individuals, as in the analysis export). Files without tracks are read
"untracked": instances fill ``instance_0``, ``instance_1`` ... in frame order.

Analysis ``.h5``: both the frames-first ("standard") layout
``tracks (frame, track, node, xy)`` and the older MATLAB layout
``tracks (track, xy, node, frame)``, told apart by comparing the shape with the
lengths of ``node_names`` and ``track_names``.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np

from ..errors import (
    BehavertWarning,
    CorruptFileError,
    NoFramesError,
    NotAPoseTableError,
)
from .load import register_loader
from .poses import Poses
from .validate import hdf5_keys, open_hdf5

log = logging.getLogger(__name__)

__all__ = ["load_sleap", "load_sleap_analysis", "sniff_sleap_analysis", "sniff_slp"]


def sniff_slp(path: Path) -> bool:
    """Return True for an HDF5 ``.slp`` file (SLEAP labels)."""
    keys = hdf5_keys(path)  # raises UnknownFormatError when not HDF5
    return "metadata" in keys or "frames" in keys


def sniff_sleap_analysis(path: Path) -> bool:
    """Return True for a SLEAP analysis HDF5 file (``tracks`` + ``node_names``)."""
    keys = hdf5_keys(path)  # raises UnknownFormatError when not HDF5
    return "tracks" in keys and "node_names" in keys and "table" not in keys


def _decode(values) -> list[str]:
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values]


@register_loader("sleap", suffixes=(".slp",), sniff=sniff_slp)
def load_sleap(path: str | Path) -> Poses:
    """Read SLEAP labels (``.slp``) through sleap-io.

    Returns
    -------
    Poses
        ``position (time, individual, keypoint, 2)`` for the first video's frames
        ``0 .. last``; ``metadata["stored_video"]`` is the video path in the file.
        ``fps`` is ``labels.provenance["fps"]`` when the file stores a positive
        number there (``behavert.io.save.save_slp`` does), else None
        (:func:`~behavert.io.load.load_poses` then asks the video).
    """
    import sleap_io as sio

    path = Path(path)
    try:
        labels = sio.load_slp(str(path), open_videos=False)
    except Exception as exc:
        raise CorruptFileError(
            path, f"SLEAP file cannot be read, maybe truncated ({exc})"
        ) from exc
    if not labels.videos or not labels.labeled_frames or not labels.skeletons:
        raise NoFramesError(path, "SLEAP file holds no labelled frames")
    video = labels.videos[0]
    frames = [lf for lf in labels.labeled_frames if lf.video is video]
    n_untracked = sum(1 for lf in frames for inst in lf.instances if inst.track is None)
    tracked = bool(labels.tracks) and n_untracked < sum(
        len(lf.instances) for lf in frames
    )
    array = labels.numpy(video=video, untracked=not tracked, return_confidence=True)
    array = np.asarray(array, dtype=np.float64)  # (time, track, node, xy + score)
    n_columns = array.shape[1]
    if tracked and n_columns == len(labels.tracks):
        individuals = [t.name or f"track_{i}" for i, t in enumerate(labels.tracks)]
        if n_untracked:
            warnings.warn(
                f"{path.name}: {n_untracked} instance(s) without a track were left "
                "out (only tracked instances are read when the file has tracks)",
                BehavertWarning,
                stacklevel=3,
            )
    elif n_columns == 1 and len(labels.tracks) == 1:
        individuals = [labels.tracks[0].name or "track_0"]
    else:
        individuals = [f"instance_{i}" for i in range(n_columns)]
    skeleton = labels.skeletons[-1]  # the one Labels.numpy uses
    position = array[..., :2]
    confidence = array[..., 2].copy()
    confidence[np.isnan(position).any(axis=-1)] = np.nan
    stored = video.filename
    metadata = {
        "stored_video": stored if isinstance(stored, str) else None,
        "n_videos": len(labels.videos),
        "n_untracked_instances": n_untracked,
    }
    if not isinstance(stored, str):
        metadata["image_paths"] = [str(p) for p in stored]
    return Poses(
        position=position,
        confidence=confidence,
        keypoints=tuple(skeleton.node_names),
        individuals=tuple(individuals),
        edges=tuple(tuple(e) for e in skeleton.edge_inds),
        fps=_provenance_fps(labels, path),
        source="sleap",
        path=path,
        metadata=metadata,
    )


def _provenance_fps(labels, path: Path) -> float | None:
    """``labels.provenance["fps"]`` as a positive float, else None."""
    value = getattr(labels, "provenance", {}).get("fps")
    if value is None:
        return None
    try:
        fps = float(value)
    except (TypeError, ValueError):
        fps = float("nan")
    if not np.isfinite(fps) or fps <= 0:
        log.info("%s: ignoring provenance fps %r (not a positive number)", path, value)
        return None
    return fps


def _layout(tracks_shape: tuple, n_nodes: int, n_tracks: int, attrs: dict) -> str:
    """Return ``"standard"`` or ``"transposed"`` for an analysis ``tracks`` shape."""
    if len(tracks_shape) != 4:
        return ""
    t = tracks_shape

    def ok(track_axis, space_axis):
        return (
            t[2] == n_nodes
            and t[space_axis] in (2, 3)
            and (n_tracks == 0 or t[track_axis] == n_tracks)
        )

    standard, transposed = ok(1, 3), ok(0, 1)
    if standard and transposed:  # e.g. 2 tracks and 2 frames: ask the attributes
        return "standard" if "dims" in attrs else "transposed"
    return "standard" if standard else "transposed" if transposed else ""


@register_loader(
    "sleap_analysis", suffixes=(".h5", ".hdf5"), sniff=sniff_sleap_analysis
)
def load_sleap_analysis(path: str | Path) -> Poses:
    """Read a SLEAP analysis HDF5 export (standard or MATLAB-transposed layout).

    Returns
    -------
    Poses
        ``position (time, track, node, space)``; confidence from ``point_scores``
        where present, else 1.0.
    """
    path = Path(path)
    with open_hdf5(path) as h5:
        try:
            if "tracks" not in h5 or "node_names" not in h5:
                raise NotAPoseTableError(path, "no 'tracks'/'node_names' datasets")
            nodes = _decode(h5["node_names"][()])
            track_names = _decode(h5["track_names"][()]) if "track_names" in h5 else []
            dset = h5["tracks"]
            attrs = dict(dset.attrs)
            layout = _layout(dset.shape, len(nodes), len(track_names), attrs)
            if not layout:
                raise NotAPoseTableError(
                    path,
                    f"'tracks' shape {dset.shape} fits neither analysis layout for "
                    f"{len(nodes)} nodes and {len(track_names)} tracks",
                )
            tracks = dset[()].astype(np.float64)
            scores = h5["point_scores"][()] if "point_scores" in h5 else None
            edges = h5["edge_inds"][()] if "edge_inds" in h5 else np.zeros((0, 2))
            stored = h5["video_path"][()] if "video_path" in h5 else None
        except (OSError, KeyError, RuntimeError) as exc:
            raise CorruptFileError(
                path, f"SLEAP analysis file is damaged ({exc})"
            ) from exc
    if layout == "transposed":
        position = tracks.transpose(3, 0, 2, 1)  # (frame, track, node, xy)
        if scores is not None:
            scores = np.asarray(scores).transpose(2, 0, 1)
    else:
        position = tracks
    position = np.ascontiguousarray(position)
    n_frames, n_tracks = position.shape[:2]
    if len(track_names) != n_tracks:
        track_names = [f"instance_{i}" for i in range(n_tracks)]
    if scores is not None and scores.shape == position.shape[:3]:
        confidence = np.asarray(scores, dtype=np.float64).copy()
    else:
        confidence = np.ones(position.shape[:3])
    confidence[np.isnan(position).any(axis=-1)] = np.nan
    edges = [
        (int(a), int(b))
        for a, b in np.asarray(edges).reshape(-1, 2)
        if 0 <= a < len(nodes) and 0 <= b < len(nodes)
    ]
    if isinstance(stored, bytes):
        stored = stored.decode("utf-8")
    return Poses(
        position=position,
        confidence=confidence,
        keypoints=tuple(nodes),
        individuals=tuple(track_names),
        edges=tuple(edges),
        source="sleap_analysis",
        path=path,
        metadata={"stored_video": stored or None, "layout": layout},
    )
