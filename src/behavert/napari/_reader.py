"""npe2 reader: open DeepLabCut / SLEAP pose files on their video.

Fragmented SLEAP tracks. A napari reader takes no options, so the reader
decides: when a SLEAP file holds far more tracks than animals per frame (at
least twice as many tracks as the usual number of animals seen together, the
largest count held in at least 10 % of the frames), the tracks are stitched
into that many animals (``load_poses(max_individuals=...)``) and a notification
says so, with how many instances of crowded frames were left out. SLEAP's
``centered_pair`` (27 track IDs for 2 flies) opens as 2 animals. The Import
poses dock's "Max animals" sets the number by hand (a number at least the
number of tracks keeps them as stored), as ``--max-animals`` does on the
command line.

Files that are not poses are refused so that other plugins may read them; a
behaviour label table (BORIS, or a CSV of per-frame 0/1 or behaviour-name
columns) is recognised and answered with a notification saying where to load
it (the Annotate dock).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import BehavertError, NotAPoseTableError, UnknownFormatError
from ..io.load import load_poses
from ..io.poses import Poses
from .convert.layers import poses_to_layers

log = logging.getLogger(__name__)

__all__ = [
    "label_table_hint",
    "layers_for_poses",
    "load_stitched",
    "napari_get_reader",
    "read_poses",
    "usual_animals",
]

SUFFIXES = (".slp", ".h5", ".csv")
#: napari's "null layer" sentinel: the file was handled, nothing to add.
NO_LAYERS: list[tuple[None]] = [(None,)]
#: sources whose tracks ``load_poses(max_individuals=...)`` stitches
STITCHED_SOURCES = ("sleap", "sleap_analysis")
#: a count of animals seen together in at least this share of frames is usual
USUAL_SHARE = 0.10
#: stitch automatically from this many tracks per usual animal
FAR_MORE = 2


def _single_path(path: str | Sequence[str]) -> Path | None:
    if isinstance(path, (list, tuple)):
        if len(path) != 1:
            return None
        path = path[0]
    return Path(path)


def napari_get_reader(path: str | Sequence[str]) -> Callable | None:
    """Return a reader for a pose file, or None when the file holds no poses.

    The file is loaded here (:func:`load_stitched`: fragmented SLEAP tracks
    are stitched, see the module docstring) to sniff it; files it does not
    recognise (``UnknownFormatError``, ``NotAPoseTableError``) are refused so
    that other plugins may read them, except behaviour label tables
    (:func:`label_table_hint`), whose reader adds nothing and says where to
    load them. Any other problem, every warning and the stitching are shown
    as napari notifications when the returned reader runs.
    """
    from ._notify import warnings_as_notifications

    file = _single_path(path)
    if file is None or file.suffix.lower() not in SUFFIXES or file.is_dir():
        return None
    failure: BehavertError | None = None
    note = ""
    with warnings_as_notifications() as caught:
        try:
            poses, note = load_stitched(file)
        except (UnknownFormatError, NotAPoseTableError):
            caught.clear()
            poses = None
        except BehavertError as exc:
            failure, poses = exc, None
        except Exception as exc:  # a bug of ours must not crash napari either
            log.exception("unexpected error reading %s", file)
            failure = BehavertError(f"{file}: unexpected error ({exc})")
            poses = None
    if poses is None and failure is None:  # not poses: a label table?
        hint = label_table_hint(file)
        return None if hint is None else _hint_reader(hint)

    def reader(paths: Any, **kwargs: Any) -> list:
        if poses is None:
            from ._notify import notify_error

            notify_error(failure, "napari-behavert could not read the file")
            return NO_LAYERS
        if note:
            from napari.utils.notifications import show_info

            show_info(note)
        return layers_for_poses(poses)

    return reader


def _hint_reader(hint: str) -> Callable:
    """A reader that adds no layer and shows ``hint``."""

    def reader(paths: Any, **kwargs: Any) -> list:
        from napari.utils.notifications import show_info

        show_info(hint)
        return NO_LAYERS

    return reader


def label_table_hint(path: Path) -> str | None:
    """What to do with a behaviour label table; None when ``path`` is not one.

    A BORIS table (its ``Behavior`` header), or a CSV that
    ``behavert.io.labels.load_frame_labels`` reads whose every column is a
    behaviour, a frame number or a behaviour name (so that any CSV with a
    0/1 column is not taken for labels).
    """
    from itertools import islice

    from ..io.boris import find_boris_header

    try:
        with open(path, encoding="utf-8-sig") as f:
            lines = [line.rstrip("\r\n") for line in islice(f, 200)]
    except (OSError, UnicodeDecodeError):
        return None
    where = (
        "open its pose file, then load it in the Annotate behaviour dock "
        "(Load) on that pose layer, or give it to the Train classifier dock "
        "as its labels file"
    )
    if find_boris_header(lines) is not None:
        return (
            f"{path.name} is a BORIS label table (behaviour events), not poses: {where}"
        )
    names = _label_columns(path)
    if names is None:
        return None
    return (
        f"{path.name} is a behaviour label table ({', '.join(names)}), not "
        f"poses: {where}"
    )


#: headers (lower case) of label-table columns that are not behaviours
_LABEL_SIDE_COLUMNS = ("frame", "index", "unnamed: 0", "behav", "label", "class")


def _label_columns(path: Path) -> list[str] | None:
    """The behaviours of a per-frame label CSV, or None when it is not one."""
    import warnings

    import pandas as pd

    from ..io.labels import load_frame_labels

    try:
        with warnings.catch_warnings():  # only asked what the file is
            warnings.simplefilter("ignore")
            labels = load_frame_labels(path)
        header = [str(c).strip().lower() for c in pd.read_csv(path, nrows=0).columns]
    except (BehavertError, ValueError, OSError):
        return None
    names = {n.lower() for n in labels.names}
    rest = [c for c in header if c not in names]
    if not labels.names or not all(c.startswith(_LABEL_SIDE_COLUMNS) for c in rest):
        return None
    return list(labels.names)


def usual_animals(poses: Poses) -> int:
    """The usual number of animals seen together in a frame.

    The largest count of individuals with a point in the same frame that
    holds in at least ``USUAL_SHARE`` of the frames with any point (the most
    frequent count when none does); 0 for poses without a point.
    """
    present = ~np.isnan(poses.position).all(axis=(-1, -2))  # (time, individual)
    counts = present.sum(axis=1)
    counts = counts[counts > 0]
    if counts.size == 0:
        return 0
    share = np.bincount(counts) / counts.size
    return int(np.flatnonzero(share >= min(USUAL_SHARE, share.max())).max())


def load_stitched(
    path: str | Path, max_animals: int = 0, **load_kwargs: Any
) -> tuple[Poses, str]:
    """Load poses, a SLEAP file's fragmented tracks stitched; and what was done.

    Parameters
    ----------
    path
        The pose file.
    max_animals
        SLEAP files: stitch the tracks into at most this many animals; 0
        (automatic): into :func:`usual_animals` when the file holds at least
        ``FAR_MORE`` times as many tracks, else keep them. Other files ignore
        it (the note says so when it is set).
    **load_kwargs
        Passed to ``load_poses`` (``video``, ``likelihood_threshold``).

    Returns
    -------
    tuple
        ``(poses, note)``: ``note`` says what was stitched ("" when nothing).
    """
    poses = load_poses(path, **load_kwargs)
    if poses.source not in STITCHED_SOURCES:
        if max_animals:
            return poses, "Max animals applies to SLEAP files only; ignored"
        return poses, ""
    n_tracks = poses.n_individuals
    n = int(max_animals)
    if not n:
        usual = usual_animals(poses)
        n = usual if usual and n_tracks >= FAR_MORE * usual else 0
    if not n or n >= n_tracks:
        return poses, ""
    stitched = load_poses(path, max_individuals=n, **load_kwargs)
    report = stitched.metadata.get("stitching", {})
    dropped = sum(report.get("dropped_frames", {}).values())
    how = "" if max_animals else " (the usual number seen together)"
    note = f"{Path(path).name}: {n_tracks} tracks stitched into {n} animals{how}"
    if dropped:
        note += f"; {dropped} instance(s) of frames holding more were left out"
    if not max_animals:
        note += (
            f" (Max animals {n_tracks} in the Import poses dock keeps the tracks "
            "as stored)"
        )
    return stitched, note


def layers_for_poses(
    poses: Poses, video: str | Path | None = None, **kwargs: Any
) -> list[tuple]:
    """Layer data for ``poses`` on their video (``video`` or ``poses.video``).

    A video that cannot be opened is reported as a warning notification; the
    poses are still shown. 3D poses (``poses.n_space == 3``) become 3D layers
    with rows ``(frame, z, y, x)`` (floor, keypoints and skeleton of
    :func:`~behavert.napari.convert.layers3d.poses3d_to_layers`), without a
    video; ``kwargs`` then go to that function.
    """
    from napari.utils.notifications import show_warning

    if poses.n_space == 3:
        from .convert.layers3d import poses3d_to_layers

        return poses3d_to_layers(poses, **kwargs)

    from ..io.video import open_video

    source = video if video is not None else poses.video
    reader = None
    if source is not None:
        try:
            reader = open_video(source)
        except BehavertError as exc:
            show_warning(f"video not shown: {exc}")
    layers = poses_to_layers(poses, video=reader, **kwargs)
    if reader is None:  # no frame to fit: fit the camera to the animals
        from .camera import fit_camera_when_added

        fit_camera_when_added(poses)
    return layers


def read_poses(path: str | Path, **load_kwargs: Any) -> list[tuple]:
    """Load a pose file and return its layer data (errors propagate)."""
    return layers_for_poses(load_poses(path, **load_kwargs))
