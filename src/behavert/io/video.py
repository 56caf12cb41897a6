"""Lazy, frame-exact video access through PyAV (no napari or Qt).

``open_video(path)`` returns a :class:`VideoReader` that behaves like a read-only
``(time, height, width[, 3])`` uint8 numpy array, so napari (or dask) can page
through a recording without loading it. Frames are addressed by presentation
timestamp (pts): the reader demuxes the file once to list every frame's pts and
keyframe flag, seeks to the keyframe at or before a requested frame and decodes
forward until the decoded pts equals the requested one. Sequential reads reuse
the open decoder and never seek.

PyAV is used instead of imageio-ffmpeg, whose random access returns wrong frames
on some H.264 High 4:4:4 files (see the data README, gotcha 1).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import CorruptFileError, FileProblemError, NoFramesError

log = logging.getLogger(__name__)

__all__ = [
    "VideoInfo",
    "VideoReader",
    "count_frames",
    "open_video",
    "probe_video",
    "video_fps",
]

#: Containers whose frame count in the header comes from a per-sample table.
_EXACT_HEADER_FORMATS = ("mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska")


def _open_container(path: Path):
    """Open ``path`` with PyAV, raising behavert errors that name the file."""
    import av  # PyAV: imported here so ``import behavert`` stays light

    if not path.exists():
        raise FileProblemError(path, "video file does not exist")
    if path.is_dir():
        raise FileProblemError(path, "is a folder, not a video file")
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise CorruptFileError(path, f"cannot be read as a video ({exc})") from exc
    if not container.streams.video:
        container.close()
        raise CorruptFileError(path, "holds no video stream")
    return container


def _frame_table(path: Path) -> tuple[np.ndarray | None, np.ndarray, int]:
    """Demux (without decoding) to list each frame's pts and keyframe flag.

    Returns
    -------
    pts
        ``(time,)`` int64 presentation timestamps sorted in display order, or
        None when the container stores no timestamps.
    keyframe
        ``(time,)`` bool, True where the frame (in display order) is a keyframe.
    n_frames
        Number of frames.
    """
    import av

    container = _open_container(path)
    pts, key = [], []
    missing_pts = False
    try:
        for packet in container.demux(video=0):
            if packet.size == 0 or getattr(packet, "is_discard", False):
                continue  # flush packets at the end; edit-list discards
            if packet.pts is None:
                missing_pts = True
            pts.append(packet.pts)
            key.append(bool(packet.is_keyframe))
    except av.FFmpegError as exc:
        raise CorruptFileError(path, f"video is truncated or corrupt ({exc})") from exc
    finally:
        container.close()
    if not pts:
        raise NoFramesError(path, "video holds no frames")
    if missing_pts:
        return None, np.zeros(len(pts), bool), len(pts)
    pts_arr = np.asarray(pts, dtype=np.int64)
    order = np.argsort(pts_arr, kind="stable")
    return pts_arr[order], np.asarray(key, bool)[order], len(pts)


@dataclass(frozen=True)
class VideoInfo:
    """What one look at a video file tells (`probe_video`).

    Attributes
    ----------
    path
        The video file.
    n_frames
        Number of frames (exact: header sample tables, else demuxed packets).
    fps
        Average frame rate stored in the file, or None.
    height, width
        Frame size in pixels.
    """

    path: Path
    n_frames: int
    fps: float | None
    height: int
    width: int


def probe_video(path: str | Path) -> VideoInfo:
    """Open a video once and read its frame count, frame rate and size.

    The container header's frame count is trusted where it is exact
    (MP4/MOV/Matroska sample tables); otherwise the packets are demuxed and
    counted (no decoding). Callers probe once and pass the `VideoInfo` along.
    """
    path = Path(path)
    container = _open_container(path)
    try:
        stream = container.streams.video[0]
        header = int(stream.frames or 0)
        fmt = set(container.format.name.split(","))
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        height = int(stream.codec_context.height or 0)
        width = int(stream.codec_context.width or 0)
    finally:
        container.close()
    exact = header > 0 and bool(fmt.intersection(_EXACT_HEADER_FORMATS))
    n_frames = header if exact else _frame_table(path)[2]
    return VideoInfo(path, n_frames, float(rate) if rate else None, height, width)


def count_frames(path: str | Path) -> int:
    """Return the number of frames of a video (`probe_video`)."""
    return probe_video(path).n_frames


def video_fps(path: str | Path) -> float | None:
    """Return the average frame rate stored in the video, or None if unknown."""
    return probe_video(path).fps


def open_video(path: str | Path, *, grayscale: bool | None = None) -> VideoReader:
    """Open a video lazily for frame-exact random and sequential access.

    Parameters
    ----------
    path
        Video file (anything FFmpeg reads: mp4, avi, mov, mkv, ...).
    grayscale
        True gives ``(time, height, width)`` frames, False gives
        ``(time, height, width, 3)`` RGB frames; None decides from the content
        (grey when R == G == B in the first, middle and last frames).

    Returns
    -------
    VideoReader
    """
    return VideoReader(path, grayscale=grayscale)


class VideoReader:
    """A video as a lazy, read-only ``(time, height, width[, 3])`` uint8 array.

    Supports ``len``, ``shape``, ``dtype``, ``ndim``, ``size``, ``__getitem__``
    with an int, a slice, an integer array or a tuple whose first item selects
    time and whose rest slices the frame, and ``np.asarray(reader)`` (which
    decodes every frame: avoid it for long videos). A few recent frames are
    cached. Access is thread-safe (one lock around the decoder).

    Parameters
    ----------
    path
        Video file.
    grayscale
        See :func:`open_video`.
    cache_bytes
        Upper bound of the memory used by the cache of recently decoded frames.
    """

    dtype = np.dtype(np.uint8)

    def __init__(
        self,
        path: str | Path,
        *,
        grayscale: bool | None = None,
        cache_bytes: int = 64 * 2**20,
    ) -> None:
        self.path = Path(path)
        self._pts, self._keyframe, n_frames = _frame_table(self.path)
        self._lock = threading.RLock()
        self._container = None
        self._stream = None
        self._frames: Iterator | None = None
        self._next = 0  # index of the frame the open decoder yields next
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._cache_bytes = int(cache_bytes)
        self.n_seeks = 0  # how often the decoder was repositioned (diagnostics)
        self.n_decoded = 0  # frames converted to arrays (diagnostics: laziness)
        self._gray = False
        first = self._decode_rgb(0)
        height, width = first.shape[:2]
        if grayscale is None:
            grayscale = all(
                _is_gray(self._decode_rgb(i)) for i in {0, n_frames // 2, n_frames - 1}
            )
        self._gray = bool(grayscale)
        self.fps = self._rate()
        frame_shape = (height, width) if self._gray else (height, width, 3)
        self.shape: tuple[int, ...] = (n_frames, *frame_shape)
        self._cache.clear()

    # ------------------------------------------------------------ array API
    @property
    def ndim(self) -> int:
        """Number of axes: 3 for grey, 4 for RGB."""
        return len(self.shape)

    @property
    def size(self) -> int:
        """Number of pixel values in the whole video."""
        return int(np.prod(self.shape))

    @property
    def nbytes(self) -> int:
        """Bytes the whole video would take in memory once decoded."""
        return self.size

    @property
    def rgb(self) -> bool:
        """True when frames carry a trailing RGB axis."""
        return not self._gray

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"VideoReader({str(self.path)!r}, shape={self.shape}, fps={self.fps})"

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = self[:]
        return out if dtype is None else out.astype(dtype)

    def __getitem__(self, key: Any) -> np.ndarray:
        if not isinstance(key, tuple):
            key = (key,)
        if len(key) == 0:
            return np.asarray(self)
        tkey, rest = key[0], key[1:]
        if tkey is Ellipsis:
            tkey, rest = slice(None), key
        if isinstance(tkey, (int, np.integer)):
            return self.read(int(tkey))[rest]
        if isinstance(tkey, slice):
            idx = range(*tkey.indices(len(self)))
        else:
            arr = np.asarray(tkey)
            if arr.dtype == bool:
                arr = np.flatnonzero(arr)
            if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
                raise TypeError(f"unsupported time index {tkey!r} for {self!r}")
            idx = arr.tolist()
        frame_shape = self.shape[1:]
        out = np.empty((len(idx), *frame_shape), self.dtype)
        for j, i in enumerate(idx):
            out[j] = self.read(i)
        return out[(slice(None), *rest)]

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        for name in ("_lock", "_container", "_stream", "_frames"):
            state[name] = None
        state["_cache"] = OrderedDict()
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()
        self._next = 0

    # ------------------------------------------------------------- reading
    def read(self, index: int) -> np.ndarray:
        """Return frame ``index`` (negative counts from the end).

        Returns
        -------
        numpy.ndarray
            ``(height, width)`` or ``(height, width, 3)`` uint8, read-only.
        """
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"frame {index} out of range for {n} frames of {self}")
        index %= n
        with self._lock:
            frame = self._cache.get(index)
            if frame is not None:
                self._cache.move_to_end(index)
                return frame
            rgb = self._decode_rgb(index)
            frame = np.ascontiguousarray(rgb[..., 0]) if self._gray else rgb
            frame.setflags(write=False)
            self._remember(index, frame)
            return frame

    def close(self) -> None:
        """Close the decoder (it reopens on the next read)."""
        with self._lock:
            if self._container is not None:
                self._container.close()
            self._container = self._stream = self._frames = None
            self._next = 0

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort
        with contextlib.suppress(Exception):
            self.close()

    # ------------------------------------------------------------ internals
    def _rate(self) -> float | None:
        self._ensure_open()
        stream = self._stream
        rate = stream.average_rate or stream.guessed_rate
        return float(rate) if rate else None

    def _remember(self, index: int, frame: np.ndarray) -> None:
        self._cache[index] = frame
        self._cache.move_to_end(index)
        total = sum(f.nbytes for f in self._cache.values())
        while len(self._cache) > 1 and total > self._cache_bytes:
            _, old = self._cache.popitem(last=False)
            total -= old.nbytes

    def _ensure_open(self) -> None:
        if self._container is None:
            self._container = _open_container(self.path)
            self._stream = self._container.streams.video[0]
            self._stream.thread_type = "AUTO"
            self._frames = self._container.decode(self._stream)
            self._next = 0

    def _seek(self, index: int) -> None:
        """Position the decoder so that it yields a frame at or before ``index``."""
        self._ensure_open()
        self.n_seeks += 1
        if self._pts is None:  # no timestamps: restart from the beginning
            self.close()
            self._ensure_open()
            return
        key = np.flatnonzero(self._keyframe[: index + 1])
        start = int(key[-1]) if key.size else 0
        self._container.seek(
            int(self._pts[start]), stream=self._stream, backward=True, any_frame=False
        )
        self._frames = self._container.decode(self._stream)
        self._next = None  # unknown until a frame's pts is seen

    def _position_of(self, frame) -> int | None:
        if self._pts is None or frame.pts is None:
            return None
        pos = int(np.searchsorted(self._pts, frame.pts))
        if pos < len(self._pts) and self._pts[pos] == frame.pts:
            return pos
        return None

    def _decode_rgb(self, index: int) -> np.ndarray:
        """Decode frame ``index`` as ``(height, width, 3)`` RGB."""
        import av

        self._ensure_open()
        if self._next is None or not self._next <= index < self._next_keyframe_after():
            self._seek(index)
        retried = False
        while True:
            try:
                frame = next(self._frames)
            except StopIteration:
                frame = None
            except av.FFmpegError as exc:
                raise CorruptFileError(
                    self.path, f"cannot decode frame {index} ({exc})"
                ) from exc
            if frame is None:
                self.close()
                raise CorruptFileError(
                    self.path, f"video ended before frame {index} could be decoded"
                )
            if self._pts is None:
                pos = self._next
            else:
                pos = self._position_of(frame)
                if pos is None:
                    raise CorruptFileError(
                        self.path, f"decoded a frame with unknown pts {frame.pts}"
                    )
            self._next = pos + 1
            if pos == index:
                self.n_decoded += 1
                return frame.to_ndarray(format="rgb24")
            if pos > index:  # overshot: seek landed after the target
                if retried:
                    raise CorruptFileError(
                        self.path, f"cannot seek to frame {index} (got frame {pos})"
                    )
                retried = True
                self.close()
                self._ensure_open()  # decode from the start: slow but exact

    def _next_keyframe_after(self) -> int:
        """Index of the first keyframe after the decoder position (or the end).

        Reading up to that frame by decoding forward is never slower than
        seeking.
        """
        if self._pts is None:
            return len(self._keyframe)
        later = np.flatnonzero(self._keyframe[self._next + 1 :])
        return self._next + 1 + int(later[0]) if later.size else len(self._keyframe)


def _is_gray(rgb: np.ndarray) -> bool:
    """True when all three channels of an ``(height, width, 3)`` frame are equal."""
    return bool(
        np.array_equal(rgb[..., 0], rgb[..., 1])
        and np.array_equal(rgb[..., 1], rgb[..., 2])
    )
