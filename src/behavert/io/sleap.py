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

Both readers take ``max_individuals``: with it, fragmented tracks (one animal
split over several track IDs, e.g. 27 IDs for 2 flies in SLEAP's
``centered_pair``) are stitched into at most that many identities by
:func:`stitch_tracks`.
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

__all__ = [
    "load_sleap",
    "load_sleap_analysis",
    "sniff_sleap_analysis",
    "sniff_slp",
    "stitch_tracks",
]

#: Extra cost of moving a fragment off the identity it was on (pixels): larger
#: than any distance, so a fragment keeps its identity unless two collide.
_SWITCH_COST = 1e9
#: Distance, in body radii, beyond which a new fragment starts an identity not
#: used so far rather than joining the nearest known one.
_NEW_IDENTITY_RADII = 3.0


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
def load_sleap(path: str | Path, *, max_individuals: int | None = None) -> Poses:
    """Read SLEAP labels (``.slp``) through sleap-io.

    Parameters
    ----------
    path
        The ``.slp`` file.
    max_individuals
        Stitch track fragments into at most this many identities
        (:func:`stitch_tracks`); None keeps one individual per track.

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
    poses = Poses(
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
    if max_individuals is None:
        return poses
    return stitch_tracks(poses, max_individuals, sticky=tracked)


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
def load_sleap_analysis(
    path: str | Path, *, max_individuals: int | None = None
) -> Poses:
    """Read a SLEAP analysis HDF5 export (standard or MATLAB-transposed layout).

    Parameters
    ----------
    path
        The analysis ``.h5`` file.
    max_individuals
        Stitch track fragments into at most this many identities
        (:func:`stitch_tracks`); None keeps one individual per track.

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
    poses = Poses(
        position=position,
        confidence=confidence,
        keypoints=tuple(nodes),
        individuals=tuple(track_names),
        edges=tuple(edges),
        source="sleap_analysis",
        path=path,
        metadata={"stored_video": stored or None, "layout": layout},
    )
    if max_individuals is None:
        return poses
    return stitch_tracks(poses, max_individuals)


# ------------------------------------------------------------------ stitching
def stitch_tracks(poses: Poses, max_individuals: int, *, sticky: bool = True) -> Poses:
    """Stitch track fragments into at most ``max_individuals`` identities.

    Frames are visited in order. In each frame the fragments present (any
    non-NaN point) are matched to identities with
    ``scipy.optimize.linear_sum_assignment`` on the distance between the
    fragment's centroid (mean of its points) and each identity's last known
    centroid. With ``sticky`` a fragment stays on the identity it had (moving it
    costs more than any distance), so only new fragments, or two fragments
    claiming one identity, are placed by proximity. An identity not used so far
    costs 3 body radii (median largest keypoint distance to the centroid): a new
    fragment joins a known identity nearer than that, else starts an unused
    one. One identity never holds two
    fragments in the same frame; in frames with more fragments than identities
    the costliest (usually new, spurious fragments) are left out. Points are
    copied, never invented.

    Parameters
    ----------
    poses
        ``position (time, fragment, keypoint, space)``, one individual per track
        fragment.
    max_individuals
        Number of identities to keep (>= 1).
    sticky
        Keep a fragment on its identity across frames (True for tracked files;
        False for untracked instances, whose columns carry no identity).

    Returns
    -------
    Poses
        ``position (time, identity, keypoint, space)`` with individuals
        ``individual_0 ..``; ``metadata["stitching"]`` holds ``max_individuals``,
        ``fragments`` (fragment name -> list of ``[identity, first frame, last
        frame, n frames]`` runs, frames as in ``frame_index``) and
        ``dropped_frames`` (fragment name -> frames in which it was left out).
        Poses with at most ``max_individuals`` individuals are returned as they
        are.

    Raises
    ------
    ConfigError
        ``max_individuals`` is not a positive integer.
    """
    n_ids = _check_max_individuals(max_individuals)
    n_time, n_frag, n_kp, n_space = poses.position.shape
    if n_frag <= n_ids:
        return poses
    from scipy.optimize import linear_sum_assignment

    position = poses.position
    valid = ~np.isnan(position).any(axis=-1)  # (time, fragment, keypoint)
    present = valid.any(axis=-1)  # (time, fragment)
    t_inst, f_inst = np.nonzero(present)  # the instances in the file
    points, seen = position[t_inst, f_inst], valid[t_inst, f_inst]
    sums = np.where(seen[..., None], points, 0.0).sum(axis=1)  # (instance, space)
    inst_centroid = sums / seen.sum(axis=1)[:, None]
    centroid = np.full((n_time, n_frag, n_space), np.nan)
    centroid[t_inst, f_inst] = inst_centroid  # (time, fragment, space)
    new_cost = _NEW_IDENTITY_RADII * _body_radius(points, inst_centroid, seen)
    assign = np.full((n_time, n_frag), -1, dtype=np.int64)
    owner = np.full(n_frag, -1, dtype=np.int64)  # identity of each fragment
    last = np.full((n_ids, n_space), np.nan)  # last centroid of each identity
    identities = np.arange(n_ids)
    for t in np.flatnonzero(present.any(axis=1)):
        frags = np.flatnonzero(present[t])
        ids = owner[frags]
        if not (
            sticky
            and frags.size <= n_ids
            and (ids >= 0).all()
            and np.unique(ids).size == ids.size
        ):  # not simply every fragment continuing on its own identity
            dist = np.linalg.norm(centroid[t, frags, None] - last[None], axis=-1)
            cost = np.nan_to_num(dist, nan=new_cost)  # (fragment, identity)
            if sticky:
                cost += np.where(ids[:, None] == identities, 0.0, _SWITCH_COST)
            rows, ids = linear_sum_assignment(cost)
            frags = frags[rows]
        assign[t, frags] = ids
        owner[frags] = ids
        last[ids] = centroid[t, frags]
    names = tuple(f"individual_{k}" for k in range(n_ids))
    out_position = np.full((n_time, n_ids, n_kp, n_space), np.nan)
    out_confidence = np.full((n_time, n_ids, n_kp), np.nan)
    t_idx, f_idx = np.nonzero(assign >= 0)
    k_idx = assign[t_idx, f_idx]
    out_position[t_idx, k_idx] = position[t_idx, f_idx]
    out_confidence[t_idx, k_idx] = poses.confidence[t_idx, f_idx]
    report = _stitch_report(poses, assign, present, names)
    report["max_individuals"] = n_ids
    dropped = sum(report["dropped_frames"].values())
    log.info(
        "%s: stitched %d track fragments into %d identities; %d instance(s) left "
        "out of frames holding more than %d",
        poses.path.name if poses.path else poses.source,
        n_frag,
        n_ids,
        dropped,
        n_ids,
    )
    return poses.replace(
        position=out_position,
        confidence=out_confidence,
        individuals=names,
        metadata={**poses.metadata, "stitching": report},
    )


def _body_radius(points, centroid, seen) -> float:
    """Median over instances of the largest keypoint distance to the centroid.

    Parameters
    ----------
    points
        ``(instance, keypoint, space)``.
    centroid
        ``(instance, space)``.
    seen
        ``(instance, keypoint)`` bool, True where the point is not NaN.

    Returns
    -------
    float
        The radius (from at most 10,000 evenly spread instances); 0.0 when
        instances have a single point (or there are none).
    """
    if not len(points):
        return 0.0
    pick = np.unique(np.linspace(0, len(points) - 1, 10_000).astype(np.int64))
    spread = np.linalg.norm(points[pick] - centroid[pick, None], axis=-1)
    radius = np.where(seen[pick], spread, 0.0).max(axis=-1)  # (instance,)
    return float(np.median(radius))


def _check_max_individuals(value) -> int:
    from ..errors import ConfigError

    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ConfigError(f"max_individuals must be an integer >= 1, got {value!r}")
    if value < 1:
        raise ConfigError(f"max_individuals must be >= 1, got {value}")
    return int(value)


def _stitch_report(poses: Poses, assign, present, names) -> dict:
    """Per fragment: runs of ``[identity, first frame, last frame, n frames]``."""
    frames = poses.frame_index
    fragments: dict[str, list] = {}
    dropped: dict[str, int] = {}
    for f, name in enumerate(poses.individuals):
        times = np.flatnonzero(assign[:, f] >= 0)
        n_dropped = int((present[:, f] & (assign[:, f] < 0)).sum())
        if n_dropped:
            dropped[name] = n_dropped
        if not times.size:
            continue
        ids = assign[times, f]
        starts = np.concatenate([[0], np.flatnonzero(np.diff(ids)) + 1])
        ends = np.concatenate([starts[1:], [times.size]])
        fragments[name] = [
            [
                names[ids[a]],
                int(frames[times[a]]),
                int(frames[times[b - 1]]),
                int(b - a),
            ]
            for a, b in zip(starts.tolist(), ends.tolist())
        ]
    return {"fragments": fragments, "dropped_frames": dropped}
