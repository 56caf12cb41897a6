"""Keep long Points/Vectors layers filled with only the frames near the slider.

napari recomputes a Points/Vectors layer's extent and thumbnail from all its
rows on every slider step; with the keypoint, skeleton, attention and motif
layers of a one-hour two-mouse recording (2.6 M rows each) a step takes about
2 s. :class:`FrameWindow` keeps a layer filled with only a window of frames
around the current one and refills it when the slider leaves the window: about
0.1 s per step on the same machine (``docs/benchmarks.md``, "napari time
slider"). The widgets call :func:`ensure_frame_window` after adding or
updating a layer.

This is the live side of the napari shell (it follows the viewer's events);
the converters of :mod:`behavert.napari.convert` stay pure.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

__all__ = ["WINDOW_MIN_ROWS", "FrameWindow", "ensure_frame_window", "frame_window"]

#: Layers with more rows than this are worth a :class:`FrameWindow`.
WINDOW_MIN_ROWS = 200_000


def _row_frames(data: np.ndarray) -> np.ndarray:
    """Frame of each row: Points ``(row, 3)`` or Vectors ``(row, 2, 3)``."""
    data = np.asarray(data)
    return data[:, 0, 0] if data.ndim == 3 else data[:, 0]


class FrameWindow:
    """Keep a layer filled with only the rows of frames near the current one.

    The layer's full rows (data, features and per-row ``size`` and direct
    ``face_color``/``edge_color``) are kept here; the layer holds the rows of
    frames ``current - half_width .. current + half_width`` plus the first and
    last row (so its time extent, hence the slider range, is unchanged). When
    the slider leaves the window it is refilled around the new frame. When
    someone else sets ``layer.data`` (e.g. a re-run updating the layer in
    place), the new rows become the full rows. A hidden layer is left alone
    until it is shown again.

    Parameters
    ----------
    viewer
        Anything with ``dims.current_step`` and ``dims.events.current_step``.
    layer
        A Points or Vectors layer whose rows are ``(frame, ...)`` on dims axis
        ``time_axis``.
    half_width
        Frames kept on each side of the current frame.
    """

    def __init__(
        self, viewer: Any, layer: Any, *, half_width: int = 300, time_axis: int = 0
    ) -> None:
        self.viewer, self.layer = viewer, layer
        self.half_width, self.time_axis = int(half_width), time_axis
        self.n_refills = 0
        self._busy = False
        self._window = (1, 0)
        self._capture()
        self.update(int(viewer.dims.current_step[time_axis]))
        viewer.dims.events.current_step.connect(self._on_current_step)
        layer.events.visible.connect(self._on_current_step)

    def _capture(self) -> None:
        layer = self.layer
        data = np.asarray(layer.data)
        order = np.argsort(_row_frames(data), kind="stable")
        self._data = data[order]
        self._frames = _row_frames(self._data)
        self._features = layer.features.iloc[order].reset_index(drop=True)
        self._per_row: dict[str, np.ndarray] = {}
        for attr in ("size", "face_color", "edge_color", "border_color"):
            mode = getattr(layer, f"{attr}_mode", "direct")
            value = getattr(layer, attr, None)
            if (
                str(mode).lower().endswith("direct")
                and isinstance(value, np.ndarray)
                and len(value) == len(data) > 0
            ):
                self._per_row[attr] = value[order]
        self._assigned = None

    @property
    def n_rows(self) -> int:
        """Number of rows of the full layer."""
        return len(self._data)

    def _on_current_step(self, event: Any = None) -> None:
        if self.layer.visible:  # a hidden layer is refilled when shown again
            self.update(int(self.viewer.dims.current_step[self.time_axis]))

    def update(self, frame: int) -> bool:
        """Refill the layer when ``frame`` is outside the window; True if refilled."""
        if self._busy:
            return False
        if self._assigned is not None and self.layer.data is not self._assigned:
            self._capture()
            self._window = (1, 0)
        lo, hi = self._window
        if lo <= frame <= hi:
            return False
        lo, hi = frame - self.half_width, frame + self.half_width
        a = int(np.searchsorted(self._frames, lo, "left"))
        b = int(np.searchsorted(self._frames, hi, "right"))
        rows = np.unique(np.r_[0, a:b, self.n_rows - 1])
        rows = rows[(rows >= 0) & (rows < self.n_rows)]
        layer = self.layer
        self._busy = True  # setting data may emit current_step (new extent)
        try:
            layer.data = self._data[rows]
            self._assigned = layer.data
            layer.features = self._features.iloc[rows].reset_index(drop=True)
            for attr, value in self._per_row.items():
                setattr(layer, attr, value[rows])
        finally:
            self._busy = False
        self._window = (lo, hi)
        self.n_refills += 1
        return True

    def close(self) -> None:
        """Stop following the slider and put every row back in the layer."""
        self.viewer.dims.events.current_step.disconnect(self._on_current_step)
        self.layer.events.visible.disconnect(self._on_current_step)
        layer = self.layer
        layer.data = self._data
        layer.features = self._features
        for attr, value in self._per_row.items():
            setattr(layer, attr, value)


def frame_window(
    viewer: Any,
    layer: Any,
    *,
    half_width: int = 300,
    min_rows: int = WINDOW_MIN_ROWS,
) -> FrameWindow | None:
    """A :class:`FrameWindow` for ``layer`` when it has more than ``min_rows`` rows."""
    if len(layer.data) <= min_rows:
        return None
    return FrameWindow(viewer, layer, half_width=half_width)


_WINDOWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def ensure_frame_window(viewer: Any, layer: Any, **kwargs: Any) -> FrameWindow | None:
    """Give a long Points/Vectors layer one :class:`FrameWindow` (idempotent).

    Called by the widgets after adding or updating a layer: layers of long
    recordings (more than ``min_rows`` rows) then hold only the frames near
    the current one, so the time slider does not make napari re-slice
    millions of rows; short layers are left as they are.
    """
    from napari.layers import Points, Vectors

    if not isinstance(layer, (Points, Vectors)):
        return None
    if layer in _WINDOWS:
        return _WINDOWS[layer]
    window = frame_window(viewer, layer, **kwargs)
    if window is not None:
        _WINDOWS[layer] = window
    return window
