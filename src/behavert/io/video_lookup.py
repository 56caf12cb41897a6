"""Which video belongs to a pose file, and does it match the poses?

`find_video` applies the naming rules (an explicit path, the path stored in
the file, DeepLabCut's ``<video>DLC_<scorer>`` names, the single video of a
folder whose frame count matches). `locate_video` is what ``load_poses``
calls: it finds the video and probes it ONCE (`behavert.io.video.probe_video`)
for its frame count and frame rate, so the file is opened once on import.
"""

from __future__ import annotations

import functools
import logging
import re
import warnings
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..errors import FileProblemError, MissingVideoWarning, VideoMismatchWarning
from .poses import Poses

log = logging.getLogger(__name__)

__all__ = ["VIDEO_SUFFIXES", "find_video", "locate_video"]

#: Suffixes tried when looking for a video next to a pose file.
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv")

_DLC_NAME = re.compile(r"^(?P<video>.+?)(?:DLC|DeepCut)_", re.IGNORECASE)


def _pure(stored: str) -> PurePosixPath | PureWindowsPath:
    return PureWindowsPath(stored) if "\\" in stored else PurePosixPath(stored)


def find_video(
    pose_path: str | Path,
    stored: str | Path | None = None,
    *,
    video: str | Path | None = None,
    n_frames: int | None = None,
) -> Path | None:
    """Find the video that belongs to a pose file.

    Order: an explicit ``video``; the ``stored`` path (as stored, relative to the
    pose file, then by file name next to the pose file); DeepLabCut naming
    ``<video>DLC_<scorer>.h5`` -> ``<video>.mp4/.avi/.mov/.mkv`` next to it, or
    the pose file's own stem. When none of these names exists and ``n_frames``
    is given, the video in the same folder is used only if it is the single
    video there and its frame count equals ``n_frames`` (the choice, or why
    nothing was chosen, is logged at INFO).

    Parameters
    ----------
    pose_path
        The pose file.
    stored
        The video path stored inside the pose file (SLEAP), if any.
    video
        A video path given by the user; it must exist.
    n_frames
        Number of pose frames (last ``frame_index`` + 1); enables the
        single-video fallback.

    Returns
    -------
    Path or None
        The video, or None when none was found.

    Raises
    ------
    FileProblemError
        An explicit ``video`` does not exist.

    Warns
    -----
    MissingVideoWarning
        The pose file names a video that cannot be found.
    """
    pose_path = Path(pose_path)
    folder = pose_path.parent
    if video is not None:
        video = Path(video).expanduser()
        if not video.is_file():
            raise FileProblemError(video, "video file does not exist")
        return video
    if stored is not None and str(stored).strip():
        text = str(stored).strip()
        pure = _pure(text)
        tries = [Path(text), folder / text, folder / pure.name]
        for candidate in tries:
            if candidate.is_file():
                return candidate
    match = _DLC_NAME.match(pose_path.name)
    stems = [match.group("video")] if match else []
    stems.append(pose_path.name.split(".")[0])
    for stem in stems:
        for suffix in VIDEO_SUFFIXES:
            candidate = folder / f"{stem}{suffix}"
            if candidate.is_file():
                return candidate
    if n_frames is not None:
        single = _single_video_with_frames(pose_path, n_frames)
        if single is not None:
            return single
    if stored is not None and str(stored).strip():
        warnings.warn(
            f"{pose_path.name}: video {str(stored)!r} named in the file was not "
            f"found (looked as stored and next to the pose file); poses still load",
            MissingVideoWarning,
            stacklevel=3,
        )
    return None


def _single_video_with_frames(pose_path: Path, n_frames: int) -> Path | None:
    """The only video next to ``pose_path``, if its frame count is ``n_frames``."""
    folder = pose_path.parent
    try:
        videos = sorted(
            p
            for p in folder.iterdir()
            if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file()
        )
    except OSError as exc:
        log.info("%s: cannot list %s for a video (%s)", pose_path.name, folder, exc)
        return None
    if len(videos) != 1:
        if videos:
            log.info(
                "%s: no video named after it and %d videos in %s; none chosen",
                pose_path.name,
                len(videos),
                folder,
            )
        return None
    info = _probe(videos[0])
    if info is None:
        return None
    n_video = info.n_frames
    if n_video != n_frames:
        log.info(
            "%s: not using %s, the only video in its folder: it has %d frames, "
            "the poses %d",
            pose_path.name,
            videos[0].name,
            n_video,
            n_frames,
        )
        return None
    log.info(
        "%s: using %s, the only video in its folder, whose %d frames equal the "
        "pose frames (no video is named after the pose file)",
        pose_path.name,
        videos[0].name,
        n_video,
    )
    return videos[0]


def _video_module():
    try:
        from . import video as module
    except Exception as exc:  # the video reader is optional here
        log.debug("behavert.io.video unavailable: %s", exc)
        return None
    return module


def _probe(video: Path):
    """`probe_video`, or None (logged) when the video cannot be read.

    Remembered per file (path, size and modification time), so the single-video
    check and the frame-count check of one import open the file once.
    """
    try:
        stat = video.stat()
    except OSError as exc:
        log.warning("could not read %s: %s", video, exc)
        return None
    return _probe_once(str(video), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _probe_once(video: str, size: int, mtime_ns: int):
    module = _video_module()
    if module is None:
        return None
    try:
        return module.probe_video(video)
    except Exception as exc:
        log.warning("could not read %s: %s", video, exc)
        return None


def locate_video(
    pose_path: Path, stored, poses: Poses, *, video=None
) -> tuple[Path | None, object]:
    """Find the video of ``poses`` and probe it once.

    Returns
    -------
    tuple
        ``(video path or None, VideoInfo or None)``.

    Warns
    -----
    VideoMismatchWarning
        The video's frame count differs from the poses' (last frame + 1).
    """
    n_poses = int(poses.frame_index[-1]) + 1
    found = find_video(pose_path, stored, video=video, n_frames=n_poses)
    info = _probe(found) if found is not None else None
    if info is not None and info.n_frames != n_poses:
        warnings.warn(
            f"{pose_path.name}: video {found.name} has {info.n_frames} frames but "
            f"the poses end at frame {n_poses - 1} ({n_poses} frames expected)",
            VideoMismatchWarning,
            stacklevel=4,
        )
    return found, info
