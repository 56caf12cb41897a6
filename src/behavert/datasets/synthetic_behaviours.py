"""Behaviour script and body motion of the synthetic two-mouse recordings.

The resident's behaviour is a semi-Markov sequence of bouts; the intruder wanders
with its own slow behaviour, scheduled around the resident's bouts so that social
bouts are physically possible (the intruder is far before an approach, still while
it is being sniffed, walking while it is followed). Everything is vectorised within
a bout, so one Python iteration per bout (~1 s) is the only loop.

All lengths are in pixels of the arena; ``body`` is the spine-to-nose scale of
:mod:`behavert.datasets.synthetic_render` (nose-to-tail-base distance = ``body``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data.features import wrap_angle

BEHAVIOURS = (
    "idle",
    "approach",
    "nose_to_nose",
    "anogenital_sniff",
    "following",
    "rearing",
    "grooming",
)
IDLE, APPROACH, NOSE2NOSE, ANOGENITAL, FOLLOWING, REARING, GROOMING = range(7)
SOCIAL = (NOSE2NOSE, ANOGENITAL, FOLLOWING)
NON_SOCIAL = (IDLE, REARING, GROOMING)

# rows: from, columns: to (no self transitions). Approach only follows non-social
# bouts and the contact behaviours only follow an approach or another contact.
TRANSITIONS = np.array(
    [
        # idle  appr  n2n   ags   foll  rear  groom
        [0.00, 0.50, 0.00, 0.00, 0.00, 0.25, 0.25],  # idle
        [0.10, 0.00, 0.45, 0.25, 0.20, 0.00, 0.00],  # approach
        [0.30, 0.00, 0.00, 0.35, 0.20, 0.00, 0.15],  # nose_to_nose
        [0.25, 0.00, 0.25, 0.00, 0.30, 0.20, 0.00],  # anogenital_sniff
        [0.40, 0.00, 0.00, 0.30, 0.00, 0.15, 0.15],  # following
        [0.35, 0.40, 0.00, 0.00, 0.00, 0.00, 0.25],  # rearing
        [0.40, 0.35, 0.00, 0.00, 0.00, 0.25, 0.00],  # grooming
    ]
)
# bout duration ranges in seconds (uniform)
DURATIONS = np.array(
    [[0.5, 3.0], [1.5, 3.0], [0.8, 2.5], [1.0, 3.0], [1.0, 3.5], [0.7, 2.5], [1.5, 4.0]]
)
#: probability that a ``ko`` resident skips a nose_to_nose bout the script chose
KO_SKIP_NOSE2NOSE = 0.8
MIN_BEFORE_APPROACH_S = 1.5


@dataclass
class BodyTrack:
    """Body state of one animal over time.

    Attributes
    ----------
    centre
        ``(time, space)`` spine position in pixels.
    heading
        ``(time,)`` body direction in radians (image coordinates, y down).
    rear, groom
        ``(time,)`` posture weights in [0, 1].
    head_yaw
        ``(time,)`` head rotation around the neck in radians.
    """

    centre: np.ndarray
    heading: np.ndarray
    rear: np.ndarray
    groom: np.ndarray
    head_yaw: np.ndarray

    @classmethod
    def empty(cls, n_frames: int) -> BodyTrack:
        """Allocate a track of ``n_frames`` zeros."""
        zeros = np.zeros(n_frames)
        return cls(
            np.zeros((n_frames, 2)),
            zeros.copy(),
            zeros.copy(),
            zeros.copy(),
            zeros.copy(),
        )


def bout_script(
    n_frames: int, fps: float, genotype: str, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw the resident's bouts.

    Returns
    -------
    behaviour, start, stop
        ``(bout,)`` int arrays: behaviour index and frame range ``[start, stop)``.
    """
    cum = np.cumsum(TRANSITIONS, axis=1)
    no_n2n = TRANSITIONS.copy()
    no_n2n[:, NOSE2NOSE] = 0.0
    cum_no_n2n = np.cumsum(no_n2n / no_n2n.sum(axis=1, keepdims=True), axis=1)
    n_max = int(n_frames / (0.5 * fps)) + 2
    draws = rng.random((n_max, 4))
    states = [int(rng.choice(NON_SOCIAL))]
    total = 0.0
    i = 0
    while total < n_frames and i < n_max - 1:
        lo, hi = DURATIONS[states[-1]]
        total += (lo + (hi - lo) * draws[i, 0]) * fps
        nxt = int(np.searchsorted(cum[states[-1]], draws[i, 1] * cum[states[-1], -1]))
        if nxt == NOSE2NOSE and genotype == "ko" and draws[i, 2] < KO_SKIP_NOSE2NOSE:
            nxt = int(np.searchsorted(cum_no_n2n[states[-1]], draws[i, 3]))
        states.append(min(nxt, len(BEHAVIOURS) - 1))
        i += 1
    behaviour = np.array(states[:i], dtype=np.int64)
    lo, hi = DURATIONS[behaviour].T
    seconds = lo + (hi - lo) * draws[:i, 0]
    before_approach = np.append(behaviour[1:] == APPROACH, False)
    seconds[before_approach] = np.maximum(
        seconds[before_approach], MIN_BEFORE_APPROACH_S
    )
    stop = np.minimum(np.cumsum(np.maximum(np.round(seconds * fps), 1)), n_frames)
    stop = stop.astype(np.int64)
    stop[-1] = n_frames
    start = np.concatenate([[0], stop[:-1]])
    keep = stop > start
    return behaviour[keep], start[keep], stop[keep]


# ---------------------------------------------------------------- helpers
def _unit(angle: float) -> np.ndarray:
    return np.array([np.cos(angle), np.sin(angle)])


def _angle(vec: np.ndarray) -> float:
    return float(np.arctan2(vec[1], vec[0]))


def _ease(n: int, k: int) -> np.ndarray:
    """``(n,)`` smoothstep from 0 to 1 over the first ``k`` frames, then 1."""
    x = np.clip(np.arange(1, n + 1) / max(k, 1), 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _travel(n: int, ramp: int) -> np.ndarray:
    """``(n,)`` fraction of a path covered with a trapezoidal speed profile."""
    t = np.arange(n)
    speed = np.minimum(1.0, np.minimum((t + 1) / ramp, (n - t) / ramp))
    out = np.cumsum(speed)
    return out / out[-1]


class _Arena:
    def __init__(self, size: float, margin: float, rng: np.random.Generator):
        self.lo, self.hi, self.rng = margin, size - margin, rng

    def inside(self, p: np.ndarray) -> bool:
        return bool(np.all(p >= self.lo) and np.all(p <= self.hi))

    def candidates(self, n: int = 12) -> np.ndarray:
        return self.rng.uniform(self.lo, self.hi, size=(n, 2))

    def clip(self, p: np.ndarray) -> np.ndarray:
        return np.clip(p, self.lo, self.hi)


# --------------------------------------------------------------- motions
def _still(trk: BodyTrack, sl: slice, pos, heading, turn_to=None, k=8) -> float:
    n = sl.stop - sl.start
    trk.centre[sl] = pos
    if turn_to is None:
        trk.heading[sl] = heading
        return heading
    trk.heading[sl] = heading + wrap_angle(turn_to - heading) * _ease(n, k)
    return float(trk.heading[sl.stop - 1])


def _walk(trk: BodyTrack, sl: slice, pos, heading, target, fps, vmax) -> None:
    """Turn in place towards ``target`` then walk there (speed <= vmax px/s)."""
    n = sl.stop - sl.start
    step = target - pos
    dist = float(np.hypot(*step))
    if dist < 1e-6 or n < 4:
        _still(trk, sl, pos, heading)
        return
    turn = min(6, n // 3)
    reach = min(dist, vmax * (n - turn) / fps)
    new_heading = _angle(step)
    trk.heading[sl] = heading + wrap_angle(new_heading - heading) * _ease(n, turn)
    frac = np.zeros(n)
    frac[turn:] = _travel(n - turn, ramp=max(2, min(8, (n - turn) // 3)))
    trk.centre[sl] = pos + np.outer(frac * reach / dist, step)


def _settle(
    trk: BodyTrack,
    sl: slice,
    pos,
    heading,
    target,
    target_heading,
    body: float,
    fps: float,
    vmax: float = 3.0,
) -> None:
    """Go to a fixed (target, target_heading): turn, walk, turn (vmax body/s)."""
    n = sl.stop - sl.start
    step = target - pos
    dist = float(np.hypot(*step))
    if dist < 0.3 * body or n < 12:
        w = _ease(n, min(8, n))
        trk.centre[sl] = pos + np.outer(w, step)
        trk.heading[sl] = heading + wrap_angle(target_heading - heading) * w
        return
    turn, end_turn = 4, 5
    walk = int(np.ceil(dist / (vmax * body / fps)))
    walk = max(2, min(walk, int(0.75 * n) - turn - end_turn))
    direction = _angle(step)
    head = np.empty(n)
    head[:turn] = heading + wrap_angle(direction - heading) * _ease(turn, turn)
    head[turn : turn + walk] = direction
    rest = n - turn - walk
    head[turn + walk :] = direction + wrap_angle(target_heading - direction) * _ease(
        rest, end_turn
    )
    frac = np.ones(n)
    frac[:turn] = 0.0
    frac[turn : turn + walk] = _travel(walk, ramp=max(1, min(4, walk // 3)))
    trk.centre[sl] = pos + np.outer(frac, step)
    trk.heading[sl] = head


def _posture_ramp(n: int, k: int = 5) -> np.ndarray:
    """``(n,)`` 0 -> 1 over k frames, 1, then back to 0 over the last k frames."""
    up = _ease(n, k)
    return np.minimum(up, up[::-1])


@dataclass
class _Scene:
    """What every bout of `simulate` reads and moves (one recording)."""

    res: BodyTrack
    intr: BodyTrack
    arena: _Arena
    rng: np.random.Generator
    fps: float
    body: float
    sniff: np.ndarray
    groom_yaw: np.ndarray
    p_r: np.ndarray = None
    h_r: float = 0.0
    p_i: np.ndarray = None
    h_i: float = 0.0

    @property
    def nose(self) -> float:
        return 0.55 * self.body

    @property
    def tail(self) -> float:
        return 0.45 * self.body


def _bout_non_social(sc: _Scene, sl: slice, n: int, beh: int, nxt: int) -> None:
    """Rearing / grooming / idle resident; the intruder wanders off or waits."""
    body = sc.body
    _still(sc.res, sl, sc.p_r, sc.h_r)
    ramp = _posture_ramp(n)
    if beh == REARING:
        sc.res.rear[sl] = ramp
    elif beh == GROOMING:
        sc.res.groom[sl] = ramp
        sc.res.head_yaw[sl] = sc.groom_yaw[sl] * ramp
    far = np.hypot(*(sc.p_i - sc.p_r)) > 3.2 * body
    if nxt == APPROACH or not far or sc.rng.random() < 0.5:
        cand = sc.arena.candidates()
        gap = np.hypot(*(cand - sc.p_r).T)
        target = cand[np.argmin(np.abs(gap - 3.8 * body))]
        _walk(sc.intr, sl, sc.p_i, sc.h_i, target, sc.fps, vmax=3.0 * body)
    else:
        _still(sc.intr, sl, sc.p_i, sc.h_i)


def _bout_approach(sc: _Scene, sl: slice, nxt: int) -> None:
    """The resident walks up to the intruder (from behind before sniffing it)."""
    _still(sc.intr, sl, sc.p_i, sc.h_i)
    away = sc.p_r - sc.p_i
    dist = float(np.hypot(*away))
    target = sc.p_i + away / max(dist, 1e-6) * min(dist, 1.9 * sc.body)
    if nxt in (ANOGENITAL, FOLLOWING):  # come in from behind
        behind = sc.p_i - _unit(sc.h_i) * (sc.tail + 1.1 * sc.body)
        if sc.arena.inside(behind):
            target = behind
    _walk(sc.res, sl, sc.p_r, sc.h_r, target, sc.fps, vmax=3.0 * sc.body)


def _bout_nose_to_nose(sc: _Scene, sl: slice, n: int) -> None:
    """Both animals face each other, noses touching; the resident sniffs."""
    base = _angle(sc.p_r - sc.p_i)
    for delta in (0.0, 0.5, -0.5, 1.0, -1.0, 1.6, -1.6, 2.4, -2.4, np.pi):
        u = _unit(base + delta)
        target = sc.p_i + u * (2 * sc.nose + 0.05 * sc.body)
        if sc.arena.inside(target):
            break
    _still(sc.intr, sl, sc.p_i, sc.h_i, turn_to=_angle(u))
    _settle(sc.res, sl, sc.p_r, sc.h_r, target, _angle(-u), sc.body, sc.fps)
    sc.res.head_yaw[sl] = sc.sniff[sl] * _ease(n, 8)


def _bout_anogenital(sc: _Scene, sl: slice, n: int) -> None:
    """The resident's nose at the intruder's tail base."""
    _still(sc.intr, sl, sc.p_i, sc.h_i)
    for _ in range(10):
        h_new = sc.h_i + sc.rng.uniform(-0.5, 0.5)
        target = sc.p_i - _unit(sc.h_i) * sc.tail - _unit(h_new) * sc.nose
        if sc.arena.inside(target):
            break
    _settle(sc.res, sl, sc.p_r, sc.h_r, target, h_new, sc.body, sc.fps)
    sc.res.head_yaw[sl] = sc.sniff[sl] * _ease(n, 10)


def _bout_following(sc: _Scene, sl: slice, n: int) -> None:
    """The intruder walks away; the resident trails it."""
    body, p_i, arena = sc.body, sc.p_i, sc.arena
    want = sc.rng.uniform(1.2, 2.2) * body * n / sc.fps
    cand = arena.candidates(16)
    dirs = cand - p_i
    behind = p_i[None] - dirs / np.hypot(*dirs.T)[:, None] * 1.7 * body
    ok = np.all((behind >= arena.lo) & (behind <= arena.hi), axis=1)
    cost = np.abs(np.hypot(*dirs.T) - want) + 1e6 * ~ok
    target = cand[np.argmin(cost)]
    _walk(sc.intr, sl, p_i, sc.h_i, target, sc.fps, vmax=2.5 * body)
    h_follow = _angle(target - p_i)
    trail = arena.clip(sc.intr.centre[sl] - _unit(h_follow) * 1.7 * body)
    gap = float(np.hypot(*(trail[0] - sc.p_r)))
    w = _ease(n, int(np.clip(gap / (0.1 * body), 10, n // 2)))[:, None]
    sc.res.centre[sl] = sc.p_r + w * (trail - sc.p_r)
    sc.res.heading[sl] = sc.h_r + wrap_angle(h_follow - sc.h_r) * w[:, 0]


def simulate(
    behaviour: np.ndarray,
    start: np.ndarray,
    stop: np.ndarray,
    *,
    fps: float,
    arena_size: float,
    body: float,
    rng: np.random.Generator,
) -> tuple[BodyTrack, BodyTrack]:
    """Move the resident and the intruder through the bout script.

    Returns
    -------
    resident, intruder
        Body states, ``(time, ...)`` arrays (see :class:`BodyTrack`).
    """
    n_frames = int(stop[-1])
    arena = _Arena(arena_size, 0.6 * body, rng)
    p_r, p_i = arena.candidates(2)
    h_r, h_i = rng.uniform(-np.pi, np.pi, size=2)
    t = np.arange(n_frames) / fps
    sc = _Scene(
        res=BodyTrack.empty(n_frames),
        intr=BodyTrack.empty(n_frames),
        arena=arena,
        rng=rng,
        fps=fps,
        body=body,
        sniff=0.12 * np.sin(2 * np.pi * 7.0 * t),
        groom_yaw=0.22 * np.sin(2 * np.pi * 3.5 * t),
        p_r=p_r,
        h_r=h_r,
        p_i=p_i,
        h_i=h_i,
    )
    for b, (beh, t0, t1) in enumerate(zip(behaviour, start, stop)):
        sl, n = slice(int(t0), int(t1)), int(t1 - t0)
        nxt = behaviour[b + 1] if b + 1 < len(behaviour) else IDLE
        if beh in NON_SOCIAL:
            _bout_non_social(sc, sl, n, beh, nxt)
        elif beh == APPROACH:
            _bout_approach(sc, sl, nxt)
        elif beh == NOSE2NOSE:
            _bout_nose_to_nose(sc, sl, n)
        elif beh == ANOGENITAL:
            _bout_anogenital(sc, sl, n)
        else:  # FOLLOWING
            _bout_following(sc, sl, n)
        sc.p_r, sc.h_r = sc.res.centre[t1 - 1].copy(), float(sc.res.heading[t1 - 1])
        sc.p_i, sc.h_i = sc.intr.centre[t1 - 1].copy(), float(sc.intr.heading[t1 - 1])
    sc.res.centre[:] = arena.clip(sc.res.centre)
    sc.intr.centre[:] = arena.clip(sc.intr.centre)
    return sc.res, sc.intr
