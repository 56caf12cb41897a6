"""Writing poses: DeepLabCut tables (.h5/.csv) and SLEAP labels (.slp).

Every writer is atomic: it writes a temporary file in the destination folder and
moves it over the destination with :func:`os.replace`, so a failed or interrupted
write never leaves a half-written pose file behind.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import UnknownFormatError
from .atomic import atomic_path
from .poses import Poses

__all__ = ["dlc_table", "save_dlc", "save_poses", "save_slp", "slp_labels"]

DLC_KEY = "df_with_missing"


def dlc_table(poses: Poses, scorer: str = "behavert"):
    """Build a DeepLabCut prediction table.

    Parameters
    ----------
    poses
        Poses to write.
    scorer
        Value of the ``scorer`` column level.

    Returns
    -------
    pandas.DataFrame
        ``(time, individual * keypoint * coord)`` with MultiIndex columns
        ``scorer / individuals / bodyparts / coords`` (more than one individual)
        or ``scorer / bodyparts / coords`` (one individual); coords are
        ``x, y[, z], likelihood``; the index is ``poses.frame_index``; missing
        points are NaN.
    """
    import pandas as pd

    space = ["x", "y", "z"][: poses.n_space]
    coords = [*space, "likelihood"]
    values = np.concatenate([poses.position, poses.confidence[..., None]], axis=-1)
    values = values.reshape(poses.n_frames, -1)  # (time, ind * kp * coord)
    if poses.n_individuals > 1:
        levels = [[scorer], list(poses.individuals), list(poses.keypoints), coords]
        names = ["scorer", "individuals", "bodyparts", "coords"]
    else:
        levels = [[scorer], list(poses.keypoints), coords]
        names = ["scorer", "bodyparts", "coords"]
    columns = pd.MultiIndex.from_product(levels, names=names)
    index = pd.Index(np.asarray(poses.frame_index), dtype=np.int64)
    return pd.DataFrame(values, index=index, columns=columns)


def save_dlc(poses: Poses, path: str | Path, scorer: str = "behavert") -> Path:
    """Write poses as a DeepLabCut prediction table (.h5 or .csv).

    Parameters
    ----------
    poses
        Poses, ``position (time, individual, keypoint, space)``.
    path
        Destination ``.h5``/``.hdf5`` (pandas HDF5, key ``"df_with_missing"``,
        ``format="table"`` as DeepLabCut writes it) or ``.csv``.
    scorer
        Value of the ``scorer`` column level.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    UnknownFormatError
        The suffix is not ``.h5``, ``.hdf5`` or ``.csv``.
    FileProblemError
        The destination folder does not exist.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".h5", ".hdf5", ".csv"):
        raise UnknownFormatError(
            path, "DeepLabCut tables are written as .h5, .hdf5 or .csv"
        )
    table = dlc_table(poses, scorer=scorer)
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            table.to_csv(tmp)
        else:
            table.to_hdf(tmp, key=DLC_KEY, mode="w", format="table")
    return path


def slp_labels(poses: Poses, video: str | Path | None = None):
    """Build ``sleap_io.Labels`` holding one predicted instance per individual.

    Individuals become tracks, keypoints the skeleton's nodes, ``frame_index``
    the frame numbers, confidence the point scores (NaN scores of missing
    points are stored as 0) and the instance score is the mean point score.
    ``fps`` and ``source`` go to ``labels.provenance``. Frames where every
    individual is missing are left out, as SLEAP does.

    Parameters
    ----------
    poses
        2D poses, ``position (time, individual, keypoint, 2)``.
    video
        Video path stored in the file (sleap-io needs one); default
        ``poses.video`` or ``"video.mp4"``.

    Returns
    -------
    sleap_io.Labels
    """
    import sleap_io as sio

    if poses.n_space != 2:
        raise ValueError(
            f"SLEAP files hold 2D points; these poses are {poses.n_space}D"
        )
    names = list(poses.keypoints)
    skeleton = sio.Skeleton(
        nodes=names, edges=[(names[a], names[b]) for a, b in poses.edges]
    )
    tracks = [sio.Track(name=name) for name in poses.individuals]
    video = sio.Video(
        filename=str(video or poses.video or "video.mp4"), open_backend=False
    )
    position = poses.position
    present = ~np.isnan(position).any(axis=-1)  # (time, individual, keypoint)
    scores = np.where(present, np.nan_to_num(poses.confidence, nan=0.0), 0.0)
    with np.errstate(invalid="ignore"):
        inst_score = np.nanmean(np.where(present, scores, np.nan), axis=-1)
    has_inst = present.any(axis=-1)  # (time, individual)
    frame_numbers = np.asarray(poses.frame_index).tolist()
    from_numpy = sio.PredictedInstance.from_numpy
    frames = []
    for t in np.flatnonzero(has_inst.any(axis=1)).tolist():
        instances = [
            from_numpy(
                points_data=position[t, i],
                skeleton=skeleton,
                point_scores=scores[t, i],
                score=float(inst_score[t, i]),
                track=tracks[i],
            )
            for i in np.flatnonzero(has_inst[t]).tolist()
        ]
        frames.append(
            sio.LabeledFrame(
                video=video, frame_idx=frame_numbers[t], instances=instances
            )
        )
    labels = sio.Labels(
        labeled_frames=frames, videos=[video], skeletons=[skeleton], tracks=tracks
    )
    labels.provenance.update(
        {"fps": poses.fps, "source": poses.source, "writer": "behavert"}
    )
    return labels


def save_slp(
    poses: Poses, path: str | Path, *, video: str | Path | None = None
) -> Path:
    """Write poses as SLEAP labels (``.slp``) through sleap-io.

    Parameters
    ----------
    poses
        2D poses, ``position (time, individual, keypoint, 2)``.
    path
        Destination ``.slp`` file.
    video
        Video path stored in the file (SLEAP files always name one); default
        ``poses.video``, else ``<path stem>.mp4`` (the name a loader looks for
        next to the file).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    UnknownFormatError
        The suffix is not ``.slp``.
    FileProblemError
        The destination folder does not exist.
    """
    import sleap_io as sio

    path = Path(path)
    if path.suffix.lower() != ".slp":
        raise UnknownFormatError(path, "SLEAP labels are written as .slp")
    labels = slp_labels(poses, video or poses.video or path.with_suffix(".mp4").name)
    with atomic_path(path) as tmp:
        sio.save_slp(labels, str(tmp), verbose=False)
    return path


_WRITERS: dict[str, Callable[[Poses, Path], Path]] = {
    ".h5": save_dlc,
    ".hdf5": save_dlc,
    ".csv": save_dlc,
    ".slp": save_slp,
}


def save_poses(poses: Poses, path: str | Path) -> Path:
    """Write poses in the format named by the suffix.

    ``.h5``/``.hdf5``/``.csv``: DeepLabCut table (:func:`save_dlc`);
    ``.slp``: SLEAP labels (:func:`save_slp`).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    UnknownFormatError
        No writer for the suffix.
    """
    path = Path(path)
    writer = _WRITERS.get(path.suffix.lower())
    if writer is None:
        known = ", ".join(sorted(_WRITERS))
        raise UnknownFormatError(
            path, f"no pose writer for suffix {path.suffix!r} (known: {known})"
        )
    return writer(poses, path)
