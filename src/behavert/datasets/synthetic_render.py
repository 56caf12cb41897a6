"""Body model (body state -> 12 keypoints) and video rendering of synthetic mice."""

from __future__ import annotations

import numpy as np

from ..errors import SkeletonMismatchError
from .synthetic_behaviours import BodyTrack

KEYPOINTS = (
    "nose",
    "left_ear",
    "right_ear",
    "neck",
    "left_forepaw",
    "right_forepaw",
    "spine",
    "left_hindpaw",
    "right_hindpaw",
    "tail_base",
    "tail_mid",
    "tail_tip",
)
_EDGE_NAMES = (
    ("nose", "left_ear"),
    ("nose", "right_ear"),
    ("left_ear", "neck"),
    ("right_ear", "neck"),
    ("nose", "neck"),
    ("neck", "spine"),
    ("neck", "left_forepaw"),
    ("neck", "right_forepaw"),
    ("spine", "tail_base"),
    ("spine", "left_hindpaw"),
    ("spine", "right_hindpaw"),
    ("tail_base", "tail_mid"),
    ("tail_mid", "tail_tip"),
)
EDGES = tuple((KEYPOINTS.index(a), KEYPOINTS.index(b)) for a, b in _EDGE_NAMES)
# egocentric rest pose in body units (x forward, y to the animal's left);
# nose to tail_base is exactly 1.0
REST = np.array(
    [
        [0.55, 0.0],
        [0.40, 0.09],
        [0.40, -0.09],
        [0.32, 0.0],
        [0.22, 0.13],
        [0.22, -0.13],
        [0.0, 0.0],
        [-0.27, 0.15],
        [-0.27, -0.15],
        [-0.45, 0.0],
        [-0.82, 0.0],
        [-1.20, 0.0],
    ]
)
_K = {name: i for i, name in enumerate(KEYPOINTS)}
_HEAD = [_K["nose"], _K["left_ear"], _K["right_ear"], _K["neck"]]
_FOREPAWS = [_K["left_forepaw"], _K["right_forepaw"]]
_HIND = [_K["left_hindpaw"], _K["right_hindpaw"], _K["tail_base"]]
_TAIL = [_K["tail_mid"], _K["tail_tip"]]


def body_keypoints(trk: BodyTrack, body: float, fps: float, phase: float = 0.0):
    """Place the 12 keypoints of one animal.

    Parameters
    ----------
    trk
        Body state over time.
    body
        Nose-to-tail-base length in pixels.
    fps
        Frames per second (tail wag and gait timing).
    phase
        Phase offset of the tail wag (radians).

    Returns
    -------
    numpy.ndarray
        ``(time, keypoint, space)`` positions in pixels.
    """
    n = len(trk.heading)
    ego = np.broadcast_to(REST, (n, *REST.shape)).copy()
    # gait: paws swing along x, diagonal pairs in phase
    step = np.r_[0.0, np.hypot(*np.diff(trk.centre, axis=0).T)]
    stride = np.cumsum(step) / (0.3 * body) * 2 * np.pi
    swing = 0.05 * np.sin(stride)
    ego[:, [_K["left_forepaw"], _K["right_hindpaw"]], 0] += swing[:, None]
    ego[:, [_K["right_forepaw"], _K["left_hindpaw"]], 0] -= swing[:, None]
    # rearing: the projected body shortens and the forepaws spread
    r = trk.rear[:, None]
    ego[:, _HEAD, 0] *= 1 - 0.5 * r
    ego[:, _FOREPAWS, 0] *= 1 - 0.5 * r
    ego[:, _FOREPAWS, 1] *= 1 + 1.0 * r
    tail_shift = ego[:, _K["tail_base"], 0] * 0.35 * trk.rear
    ego[:, _HIND, 0] *= 1 - 0.35 * r
    ego[:, _TAIL, 0] -= tail_shift[:, None]
    # grooming: hunched body, forepaws at the nose
    g = trk.groom[:, None]
    ego[:, _HEAD + _HIND, 0] *= 1 - 0.1 * g
    paws_at_nose = np.array([[0.47, 0.04], [0.47, -0.04]])
    ego[:, _FOREPAWS] += g[:, :, None] * (paws_at_nose - ego[:, _FOREPAWS])
    # head yaw around the neck (forepaws follow the head while grooming)
    neck = ego[:, _K["neck"]].copy()
    cos, sin = np.cos(trk.head_yaw), np.sin(trk.head_yaw)
    for idx, weight in ((_HEAD[:3], np.ones_like(g)), (_FOREPAWS, g)):
        rel = ego[:, idx] - neck[:, None]
        rx = cos[:, None] * rel[..., 0] - sin[:, None] * rel[..., 1]
        ry = sin[:, None] * rel[..., 0] + cos[:, None] * rel[..., 1]
        turned = neck[:, None] + np.stack([rx, ry], axis=-1)
        ego[:, idx] += weight[:, :, None] * (turned - ego[:, idx])
    # tail wag, lagging behind turns
    t = np.arange(n) / fps
    turn = np.r_[0.0, np.diff(np.unwrap(trk.heading))] * fps
    lag = np.clip(turn, -3, 3)
    ego[:, _K["tail_mid"], 1] += 0.04 * np.sin(2 * np.pi * 1.3 * t + phase) + 0.04 * lag
    ego[:, _K["tail_tip"], 1] += 0.10 * np.sin(2 * np.pi * 1.3 * t + phase - 0.9)
    ego[:, _K["tail_tip"], 1] += 0.10 * lag
    # to the arena: x along heading, y to the animal's left (image y points down)
    fwd = np.stack([np.cos(trk.heading), np.sin(trk.heading)], axis=-1)
    left = np.stack([np.sin(trk.heading), -np.cos(trk.heading)], axis=-1)
    return trk.centre[:, None] + body * (
        ego[..., :1] * fwd[:, None] + ego[..., 1:] * left[:, None]
    )


def render_frames(
    position: np.ndarray, image_size: int = 256, arena_size: float | None = None
) -> np.ndarray:
    """Draw grey frames of a light arena with dark mice at the keypoints.

    Parameters
    ----------
    position
        ``(time, individual, keypoint, space)`` pixel positions in arena units with
        the 12 synthetic keypoints; NaN parts are not drawn.
    image_size
        Frame height and width in pixels.
    arena_size
        Arena side in position units (default ``image_size``: keypoints are image
        pixels and a skeleton overlaid in napari sits on the animals).

    Returns
    -------
    numpy.ndarray
        ``(time, height, width)`` uint8 frames.
    """
    import cv2  # only needed to draw

    position = np.asarray(position, dtype=np.float64)
    if position.ndim != 4 or position.shape[2:] != (len(KEYPOINTS), 2):
        raise SkeletonMismatchError(
            "render_video needs (time, individual, 12 synthetic keypoints, 2) "
            f"positions, got shape {position.shape}"
        )
    scale = image_size / float(arena_size or image_size)
    shift = 4
    pts = position * scale
    fixed = np.round(np.nan_to_num(pts) * (1 << shift)).astype(np.int64)
    finite = np.isfinite(pts).all(axis=-1)
    body = np.nanmedian(np.hypot(*(pts[:, :, 0] - pts[:, :, 9]).reshape(-1, 2).T))
    body = body if np.isfinite(body) else image_size / 6
    rng = np.random.default_rng(0)
    background = np.full((image_size, image_size), 205, np.uint8)
    background += rng.integers(0, 12, size=background.shape, dtype=np.uint8)
    cv2.rectangle(background, (0, 0), (image_size - 1, image_size - 1), 120, 3)

    def seg(a: int, b: int):
        """Ellipse parameters of the segment between keypoints a and b."""
        mid = (fixed[:, :, a] + fixed[:, :, b]) // 2
        vec = pts[:, :, a] - pts[:, :, b]
        half = np.hypot(vec[..., 0], vec[..., 1]) / 2
        ang = np.degrees(np.arctan2(vec[..., 1], vec[..., 0]))
        return mid, half, np.nan_to_num(ang), finite[:, :, a] & finite[:, :, b]

    b_mid, b_half, b_ang, b_ok = seg(_K["neck"], _K["tail_base"])
    h_mid, h_half, h_ang, h_ok = seg(_K["nose"], _K["neck"])
    b_mid, h_mid, pt_list = b_mid.tolist(), h_mid.tolist(), fixed.tolist()
    b_axes = np.round(np.nan_to_num(b_half + 0.1 * body) * (1 << shift)).astype(int)
    h_axes = np.round(np.nan_to_num(h_half + 0.05 * body) * (1 << shift)).astype(int)
    b_minor, h_minor = int(0.2 * body * (1 << shift)), int(0.13 * body * (1 << shift))
    ear_r = max(1, int(0.06 * body * (1 << shift)))
    tail_w = max(1, round(0.05 * body))
    tail_idx = [_K["tail_base"], _K["tail_mid"], _K["tail_tip"]]
    frames = np.empty((len(pts), image_size, image_size), np.uint8)
    aa = cv2.LINE_AA
    for t in range(len(pts)):
        img = frames[t]
        img[:] = background
        for i in range(pts.shape[1]):
            f, c = pt_list[t][i], 45
            if finite[t, i, tail_idx].all():
                tail = fixed[t, i, tail_idx].reshape(-1, 1, 2).astype(np.int32)
                cv2.polylines(img, [tail], False, 70, tail_w, aa, shift)
            if b_ok[t, i]:
                cv2.ellipse(
                    img,
                    tuple(b_mid[t][i]),
                    (int(b_axes[t, i]), b_minor),
                    float(b_ang[t, i]),
                    0,
                    360,
                    c,
                    -1,
                    aa,
                    shift,
                )
            if h_ok[t, i]:
                cv2.ellipse(
                    img,
                    tuple(h_mid[t][i]),
                    (int(h_axes[t, i]), h_minor),
                    float(h_ang[t, i]),
                    0,
                    360,
                    c,
                    -1,
                    aa,
                    shift,
                )
            for ear in (_K["left_ear"], _K["right_ear"]):
                if finite[t, i, ear]:
                    cv2.circle(img, tuple(f[ear]), ear_r, 30, -1, aa, shift)
    return frames
