"""npe2 reader: open DeepLabCut / SLEAP pose files on their video."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import BehavertError, NotAPoseTableError, UnknownFormatError
from ..io.load import load_poses
from ..io.poses import Poses
from .convert.layers import poses_to_layers

log = logging.getLogger(__name__)

__all__ = ["layers_for_poses", "napari_get_reader", "read_poses"]

SUFFIXES = (".slp", ".h5", ".csv")
#: napari's "null layer" sentinel: the file was handled, nothing to add.
NO_LAYERS: list[tuple[None]] = [(None,)]


def _single_path(path: str | Sequence[str]) -> Path | None:
    if isinstance(path, (list, tuple)):
        if len(path) != 1:
            return None
        path = path[0]
    return Path(path)


def napari_get_reader(path: str | Sequence[str]) -> Callable | None:
    """Return a reader for a pose file, or None when the file holds no poses.

    The file is loaded here (``behavert.load_poses``) to sniff it; files it does
    not recognise (``UnknownFormatError``, ``NotAPoseTableError``) are refused so
    that other plugins may read them. Any other problem, and every warning, is
    shown as a napari notification when the returned reader runs.
    """
    from ._notify import warnings_as_notifications

    file = _single_path(path)
    if file is None or file.suffix.lower() not in SUFFIXES or file.is_dir():
        return None
    failure: BehavertError | None = None
    with warnings_as_notifications() as caught:
        try:
            poses = load_poses(file)
        except (UnknownFormatError, NotAPoseTableError):
            caught.clear()
            return None
        except BehavertError as exc:
            failure, poses = exc, None
        except Exception as exc:  # a bug of ours must not crash napari either
            log.exception("unexpected error reading %s", file)
            failure = BehavertError(f"{file}: unexpected error ({exc})")
            poses = None

    def reader(paths: Any, **kwargs: Any) -> list:
        if poses is None:
            from ._notify import notify_error

            notify_error(failure, "napari-behavert could not read the file")
            return NO_LAYERS
        return layers_for_poses(poses)

    return reader


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
    return poses_to_layers(poses, video=reader, **kwargs)


def read_poses(path: str | Path, **load_kwargs: Any) -> list[tuple]:
    """Load a pose file and return its layer data (errors propagate)."""
    return layers_for_poses(load_poses(path, **load_kwargs))
