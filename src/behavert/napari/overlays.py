"""Pure converters of analysis results to napari layers drawn on the video.

Each converter returns a napari ``LayerData`` tuple ``(data, kwargs,
layer_type)`` and needs no viewer (nor a napari import). Points sit on the
time axis like :func:`~behavert.napari.layers.poses_to_points`: rows are
``(frame, y, x)`` with ``frame = poses.frame_index[t]``, so scrubbing the video
scrubs them. Per-frame inputs are ``(time,)`` arrays indexed like
``poses.position``.

Attention rule (:func:`attention_style`), for a frame with attention ``a`` and
``m = max(attention)`` over the recording:

* colour = ``matplotlib.colormaps[colormap](a / m)`` (napari draws it with its
  own colormap of the same name, ``face_contrast_limits=(0, m)``, which shows a
  colour bar: ``layer.face_colorbar.visible = True``, see :func:`show_colorbar`);
* size = ``lo + (hi - lo) * a / m`` pixels for ``size_range=(lo, hi)``.

NaN attention counts as 0; all-zero attention gives colour ``colormap(0)`` and
size ``lo``.

Long recordings: napari recomputes a Points/Vectors layer's extent and
thumbnail from all its rows on every slider step; with the keypoint, skeleton,
attention and motif layers of a one-hour two-mouse recording (2.6 M rows each)
a step takes about 2 s. :class:`FrameWindow` keeps a layer filled with only a
window of frames around the current one and refills it when the slider leaves
the window: about 0.1 s per step on the same machine (``docs/benchmarks.md``,
"napari time slider"). Use :func:`frame_window` after adding a large layer.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..io.poses import Poses
from .layers import poses_to_points

__all__ = [
    "CATEGORY_PALETTE",
    "NONE_COLOR",
    "WINDOW_MIN_ROWS",
    "FrameWindow",
    "attention_style",
    "attention_to_layer",
    "behaviour_to_layer",
    "category_colors",
    "frame_window",
    "motif_colors",
    "motifs_to_layer",
    "show_colorbar",
]

LayerData = tuple[Any, dict, str]

#: Categorical colours (Tableau 20 order): motif ``k`` gets
#: ``CATEGORY_PALETTE[k % 20]``; behaviour classes get them in class order.
CATEGORY_PALETTE: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#bcbd22", "#17becf", "#aec7e8",
    "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
    "#f7b6d2", "#dbdb8d", "#9edae5", "#7f7f7f", "#393b79",
)  # fmt: skip
#: Colour of frames without a motif / behaviour (-1 or empty name).
NONE_COLOR = "#808080"
#: Layers with more rows than this are worth a :class:`FrameWindow`.
WINDOW_MIN_ROWS = 200_000


def _hex_to_rgba(color: str) -> np.ndarray:
    color = color.lstrip("#")
    return np.array([int(color[i : i + 2], 16) / 255 for i in (0, 2, 4)] + [1.0])


def category_colors(names: Sequence[str]) -> dict[str, str]:
    """Fixed hex colour of each category name, by position (empty: grey)."""
    return {
        str(n): (NONE_COLOR if str(n) in ("", "none") else CATEGORY_PALETTE[i % 20])
        for i, n in enumerate(names)
    }


def motif_colors(motif_ids: Sequence[int] | np.ndarray) -> dict[int, str]:
    """Hex colour of each motif id: ``CATEGORY_PALETTE[id % 20]``; -1 grey."""
    return {
        int(k): NONE_COLOR if k < 0 else CATEGORY_PALETTE[int(k) % 20]
        for k in np.unique(np.asarray(motif_ids, dtype=np.int64))
    }


def _per_frame(poses: Poses, values: Any, what: str) -> np.ndarray:
    values = np.asarray(values)
    if values.shape[:1] != (poses.n_frames,):
        raise ValueError(
            f"{what} has shape {values.shape}, expected ({poses.n_frames},) "
            f"(one value per pose frame)"
        )
    return values


def _rows(poses: Poses, individual: int | str | None, name: str, size: float | None):
    """Keypoint rows ``(point, 3)``, their features and the time index ``t``."""
    sub = poses
    if individual is not None:
        i = (
            poses.individuals.index(individual)
            if isinstance(individual, str)
            else int(individual)
        )
        sub = poses.replace(
            position=poses.position[:, i : i + 1],
            confidence=poses.confidence[:, i : i + 1],
            individuals=(poses.individuals[i],),
        )
    kwargs_size = {} if size is None else {"size": size}
    data, kwargs, _ = poses_to_points(sub, name=name, **kwargs_size)
    t = np.searchsorted(poses.frame_index, data[:, 0].astype(np.int64))
    return data, kwargs, t


def attention_style(
    attention: np.ndarray,
    *,
    colormap: str = "inferno",
    size_range: tuple[float, float] = (3.0, 15.0),
) -> tuple[np.ndarray, np.ndarray]:
    """Colour and size of each frame's keypoints from its attention.

    Parameters
    ----------
    attention
        ``(time,)`` per-frame attention, >= 0 (NaN counts as 0).
    colormap
        A matplotlib colormap name (napari has the same names).
    size_range
        ``(lo, hi)`` point size in pixels at attention 0 and at the maximum.

    Returns
    -------
    rgba
        ``(time, 4)`` float colours ``colormap(a / max)``.
    size
        ``(time,)`` sizes ``lo + (hi - lo) * a / max``.
    """
    import matplotlib

    a = np.nan_to_num(np.asarray(attention, dtype=np.float64), nan=0.0)
    if (a < 0).any():
        raise ValueError("attention must be >= 0 (got negative values)")
    top = float(a.max()) if a.size else 0.0
    rel = a / top if top > 0 else np.zeros_like(a)
    lo, hi = size_range
    return matplotlib.colormaps[colormap](rel), lo + (hi - lo) * rel


def attention_to_layer(
    poses: Poses,
    attention: np.ndarray,
    *,
    name: str = "attention",
    colormap: str = "inferno",
    size_range: tuple[float, float] = (3.0, 15.0),
) -> LayerData:
    """Keypoints coloured and sized by their frame's attention (the module rule).

    Parameters
    ----------
    poses
        The recording; every finite keypoint of every individual is a point.
    attention
        ``(time,)`` per-frame importance, >= 0.

    Returns
    -------
    (data, kwargs, "points")
        ``data (point, 3)`` rows ``(frame, y, x)``; features ``attention``,
        ``individual``, ``keypoint``, ``confidence``, ``frame``;
        ``metadata["timeline_tracks"] = {name: attention}``.
    """
    a = np.nan_to_num(_per_frame(poses, attention, "attention").astype(float))
    _, sizes = attention_style(a, colormap=colormap, size_range=size_range)
    data, kwargs, t = _rows(poses, None, name, None)
    kwargs["features"].insert(0, "attention", a[t])
    top = float(a.max()) if a.size and a.max() > 0 else 1.0
    kwargs.pop("face_color_cycle")
    kwargs.update(
        face_color="attention",
        face_colormap=colormap,
        face_contrast_limits=(0.0, top),
        size=sizes[t],
        metadata={
            "behavert_role": "attention",
            "attention": a,
            "frames": np.asarray(poses.frame_index),
            "poses": poses,
            "timeline_tracks": {name: a},
        },
    )
    return data, kwargs, "points"


def _motif_name_table(
    motif: np.ndarray, motif_names: Sequence[str] | Mapping[int, str] | None
) -> np.ndarray:
    """``(time,)`` motif name of each frame ("" for -1)."""
    ids = np.unique(motif[motif >= 0])
    if motif_names is None:
        lookup = {int(k): f"motif {k}" for k in ids}
    elif isinstance(motif_names, Mapping):
        lookup = {int(k): str(v) for k, v in motif_names.items()}
    else:
        lookup = {k: str(v) for k, v in enumerate(motif_names)}
    missing = [int(k) for k in ids if int(k) not in lookup]
    if missing:
        raise ValueError(f"no name for motif ids {missing} in motif_names")
    lookup[-1] = ""
    return np.array([lookup[int(k)] if k >= 0 else "" for k in motif], dtype=object)


def _anchor(poses: Poses, prefer: Sequence[str] = ("neck", "spine")) -> int:
    for keypoint in prefer:
        if keypoint in poses.keypoints:
            return poses.keypoints.index(keypoint)
    return 0


def _text(size: float = 10.0) -> dict:
    return {
        "string": "label",
        "color": "white",
        "size": size,
        "anchor": "upper_left",
        "translation": (0.0, -8.0, 8.0),  # (frame, y, x)
    }


def motifs_to_layer(
    poses: Poses,
    motif: np.ndarray,
    motif_names: Sequence[str] | Mapping[int, str] | None = None,
    *,
    name: str = "motifs",
    embedding: np.ndarray | None = None,
    size: float | None = None,
) -> LayerData:
    """Keypoints coloured by motif, with the motif's name as text by the animal.

    Parameters
    ----------
    motif
        ``(time,)`` int motif id per frame, -1 for none (drawn grey, no text).
    motif_names
        Name of each motif id: a sequence indexed by id, a mapping id -> name,
        or None for ``"motif <id>"``.
    embedding
        Optional ``(time, 2)`` 2-D map of the frames (e.g. ``pc1, pc2``), kept in
        ``metadata["embedding"]`` for the embedding dock.
    size
        Point size (default: about 1 % of the pose extent).

    Returns
    -------
    (data, kwargs, "points")
        Colours per point ``motif_colors`` (fixed palette); features ``motif``,
        ``motif_name``, ``label`` (the text: the name on the first individual's
        neck, else ""), ``individual``, ``keypoint``, ``confidence``, ``frame``.
    """
    motif = _per_frame(poses, motif, "motif").astype(np.int64)
    names = _motif_name_table(motif, motif_names)
    data, kwargs, t = _rows(poses, None, name, size)
    features = kwargs["features"]
    anchor = (features["individual"].cat.codes.to_numpy() == 0) & (
        features["keypoint"].cat.codes.to_numpy() == _anchor(poses)
    )
    features.insert(0, "motif", motif[t])
    features.insert(1, "motif_name", names[t].astype(str))
    features.insert(2, "label", np.where(anchor, names[t], "").astype(str))
    palette = motif_colors(np.append(motif, -1))
    rgba = {k: _hex_to_rgba(v) for k, v in palette.items()}
    colors = np.array([rgba[k] for k in sorted(rgba)])[
        np.searchsorted(sorted(rgba), motif[t])
    ]
    kwargs.pop("face_color_cycle")
    metadata = {
        "behavert_role": "motifs",
        "motif": motif,
        "motif_names": names,
        "frames": np.asarray(poses.frame_index),
        "poses": poses,
        "timeline_tracks": {name: names},
    }
    if embedding is not None:
        metadata["embedding"] = _per_frame(poses, embedding, "embedding")
    kwargs.update(face_color=colors, text=_text(), metadata=metadata)
    return data, kwargs, "points"


def behaviour_to_layer(
    poses: Poses,
    names_per_frame: np.ndarray | Sequence[str],
    *,
    name: str = "behaviour",
    probabilities: np.ndarray | None = None,
    classes: Sequence[str] | None = None,
    individual: int | str = 0,
    size: float | None = None,
) -> LayerData:
    """The behaviour of each frame as colour and text on one animal.

    Parameters
    ----------
    names_per_frame
        ``(time,)`` behaviour names ("" for none), or int class indices into
        ``classes`` (negative for none).
    probabilities
        Optional ``(time, class)`` probabilities (column order ``classes``); the
        text then reads ``"name 0.87"`` with the predicted class probability,
        and a ``probability`` feature holds it.
    classes
        Class names: the colour order (``category_colors``) and the meaning of
        integer labels; default the sorted names present.
    individual
        The animal (index or name) whose keypoints carry colour and text.

    Returns
    -------
    (data, kwargs, "points")
        Features ``behaviour`` (str), ``label`` (text on the neck), optional
        ``probability``, ``individual``, ``keypoint``, ``confidence``,
        ``frame``.
    """
    values = _per_frame(poses, names_per_frame, "names_per_frame")
    if np.issubdtype(values.dtype, np.integer):
        if classes is None:
            raise ValueError("integer behaviour labels need classes=")
        table = np.array([*map(str, classes), ""], dtype=object)
        values = table[np.where(values < 0, len(classes), values)]
    values = np.array(["" if v is None else str(v) for v in values], dtype=object)
    if classes is None:
        classes = sorted(set(values) - {""})
    data, kwargs, t = _rows(poses, individual, name, size)
    features = kwargs["features"]
    anchor = features["keypoint"].cat.codes.to_numpy() == _anchor(poses)
    text = values  # per frame, then per point
    if probabilities is not None:
        prob = _per_frame(poses, probabilities, "probabilities").astype(float)
        top = np.nanmax(prob, axis=1)
        features.insert(0, "probability", top[t])
        text = np.array(
            [f"{v} {p:.2f}" if v else "" for v, p in zip(values, top, strict=True)],
            dtype=object,
        )
    text = text[t].astype(str)
    features.insert(0, "behaviour", values[t].astype(str))
    features.insert(1, "label", np.where(anchor, text, "").astype(str))
    palette = {k: _hex_to_rgba(c) for k, c in category_colors(list(classes)).items()}
    none = _hex_to_rgba(NONE_COLOR)
    colors = np.array([palette.get(v, none) for v in values])[t].reshape(-1, 4)
    kwargs.pop("face_color_cycle")
    kwargs.update(
        face_color=colors,
        text=_text(12.0),
        metadata={
            "behavert_role": "behaviour",
            "behaviour": values,
            "classes": tuple(classes),
            "frames": np.asarray(poses.frame_index),
            "poses": poses,
            "timeline_tracks": {name: values},
        },
    )
    return data, kwargs, "points"


def show_colorbar(layer: Any, visible: bool = True) -> bool:
    """Show the face colour bar of a colormapped Points layer (napari >= 0.6).

    Returns whether the layer has one.
    """
    colorbar = getattr(layer, "face_colorbar", None)
    if colorbar is None:
        return False
    colorbar.visible = visible
    return True


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
    if getattr(layer, "_type_string", None) not in ("points", "vectors"):
        return None
    if layer in _WINDOWS:
        return _WINDOWS[layer]
    window = frame_window(viewer, layer, **kwargs)
    if window is not None:
        _WINDOWS[layer] = window
    return window
