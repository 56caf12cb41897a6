"""Tests of behavert.datasets.synthetic (all data here is synthetic)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from behavert.datasets.synthetic import (
    BEHAVIOURS,
    KEYPOINTS,
    generate_synthetic,
    labels_frame,
    make_synthetic_dataset,
    render_video,
)

K = {name: i for i, name in enumerate(KEYPOINTS)}


def frame_features(position: np.ndarray, body: float) -> np.ndarray:
    """``(time, feature)`` features from ``(time, individual, keypoint, 2)``."""
    pos = (
        pd.DataFrame(position.reshape(len(position), -1))
        .interpolate(limit_direction="both")
        .to_numpy()
        .reshape(position.shape)
        / body
    )
    res, intr = pos[:, 0], pos[:, 1]

    def dist(a, b):
        return np.hypot(*(a - b).T)

    def speed(p):
        return np.r_[0.0, dist(p[1:], p[:-1])]

    heading = res[:, K["nose"]] - res[:, K["tail_base"]]
    to_intr = intr[:, K["spine"]] - res[:, K["spine"]]
    cos_facing = (heading * to_intr).sum(1) / (
        np.hypot(*heading.T) * np.hypot(*to_intr.T) + 1e-9
    )
    h_i = intr[:, K["nose"]] - intr[:, K["tail_base"]]
    cos_align = (heading * h_i).sum(1) / (
        np.hypot(*heading.T) * np.hypot(*h_i.T) + 1e-9
    )
    head = res[:, K["nose"]] - res[:, K["neck"]]
    yaw = np.arctan2(*head.T[::-1]) - np.arctan2(*heading.T[::-1])
    yaw = (yaw + np.pi) % (2 * np.pi) - np.pi
    centre_dist = dist(res[:, K["spine"]], intr[:, K["spine"]])
    cols = {
        "length": dist(res[:, K["nose"]], res[:, K["tail_base"]]),
        "paw_spread": dist(res[:, K["left_forepaw"]], res[:, K["right_forepaw"]]),
        "paw_nose": dist(res[:, K["left_forepaw"]], res[:, K["nose"]]),
        "speed": speed(res[:, K["spine"]]),
        "intr_speed": speed(intr[:, K["spine"]]),
        "centre_dist": centre_dist,
        "nose_nose": dist(res[:, K["nose"]], intr[:, K["nose"]]),
        "nose_tail": dist(res[:, K["nose"]], intr[:, K["tail_base"]]),
        "cos_facing": cos_facing,
        "cos_align": cos_align,
        "yaw": yaw,
        "d_dist": np.r_[0.0, np.diff(centre_dist)],
    }
    table = pd.DataFrame(cols)
    for win in (5, 15):
        roll = table.rolling(win, center=True, min_periods=1)
        table = table.join(roll.mean().add_suffix(f"_m{win}"))
        table = table.join(roll.std().fillna(0).add_suffix(f"_s{win}"))
    return table.to_numpy()


B = {name: i for i, name in enumerate(BEHAVIOURS)}


@pytest.fixture(scope="module")
def rec():
    return generate_synthetic(3600, seed=7)


def _inner(labels: np.ndarray, behaviour: int, skip: int = 12) -> np.ndarray:
    """Frames of a behaviour that are at least ``skip`` frames into their bout."""
    hit = labels == behaviour
    run = np.zeros(len(labels), dtype=int)
    for t in range(1, len(labels)):
        run[t] = run[t - 1] + 1 if hit[t] and hit[t - 1] else 0
    return np.flatnonzero(hit & (run >= skip))


def test_structure(rec):
    poses = rec.poses
    assert poses.position.shape == (3600, 2, 12, 2)
    assert poses.source == "synthetic"
    assert poses.metadata["synthetic"] is True
    assert poses.individuals == ("resident", "intruder")
    assert poses.keypoints == KEYPOINTS
    assert poses.fps == 30.0
    assert len(poses.edges) >= 11
    assert rec.labels.shape == (3600,)
    assert rec.behaviours == BEHAVIOURS
    assert set(np.unique(rec.labels)) == set(range(len(BEHAVIOURS)))
    assert rec.video is None and rec.genotype == "wt" and rec.seed == 7


def test_deterministic_per_seed():
    a = generate_synthetic(400, seed=3, genotype="ko")
    b = generate_synthetic(400, seed=3, genotype="ko")
    c = generate_synthetic(400, seed=4, genotype="ko")
    np.testing.assert_array_equal(a.poses.position, b.poses.position)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.allclose(a.poses.position, c.poses.position, equal_nan=True)


def test_missing_and_confidence():
    rec = generate_synthetic(2000, seed=1, missing_rate=0.02)
    nan_pos = np.isnan(rec.poses.position).any(-1)
    assert 0.01 < nan_pos.mean() < 0.03
    np.testing.assert_array_equal(nan_pos, np.isnan(rec.poses.confidence))
    conf = rec.poses.confidence[~nan_pos]
    assert conf.min() >= 0.8 and conf.max() <= 1.0
    none = generate_synthetic(300, seed=1, missing_rate=0.0)
    assert np.isfinite(none.poses.position).all()


def test_bad_arguments():
    with pytest.raises(ValueError, match="genotype"):
        generate_synthetic(10, genotype="het")
    with pytest.raises(ValueError, match="n_frames"):
        generate_synthetic(0)


def test_motion_is_smooth_bounded_and_heading_follows_velocity(rec):
    body = rec.poses.metadata["body_length"]
    arena = rec.poses.metadata["arena_size"]
    spine = rec.poses.position[:, :, KEYPOINTS.index("spine")]
    assert np.nanmin(spine) >= 0 and np.nanmax(spine) <= arena
    step = np.hypot(*np.diff(spine, axis=0).transpose(2, 0, 1))
    assert np.nanmax(step) < 0.3 * body  # no teleporting
    # heading (tail_base -> nose) agrees with the direction of fast motion
    vel = np.diff(spine, axis=0)
    head = rec.poses.position[1:, :, 0] - rec.poses.position[1:, :, 9]
    fast = np.hypot(*vel.transpose(2, 0, 1)) > 0.05 * body
    cos = (vel * head).sum(-1) / (
        np.hypot(*vel.transpose(2, 0, 1)) * np.hypot(*head.transpose(2, 0, 1))
    )
    assert fast.sum() > 300
    assert np.nanmedian(cos[fast]) > 0.95


def test_behaviour_geometry(rec):
    pos, body = rec.poses.position, rec.poses.metadata["body_length"]
    res, intr = pos[:, 0], pos[:, 1]
    k = {name: i for i, name in enumerate(KEYPOINTS)}

    def d(a, b):
        return np.hypot(*(a - b).T)

    length = d(res[:, k["nose"]], res[:, k["tail_base"]]) / body
    n2n = _inner(rec.labels, B["nose_to_nose"])
    assert np.nanmedian(d(res[n2n, 0], intr[n2n, 0])) < 0.15 * body
    ags = _inner(rec.labels, B["anogenital_sniff"])
    assert np.nanmedian(d(res[ags, 0], intr[ags, k["tail_base"]])) < 0.15 * body
    rear, idle = _inner(rec.labels, B["rearing"]), _inner(rec.labels, B["idle"])
    assert np.nanmedian(length[rear]) < 0.7 < 0.9 < np.nanmedian(length[idle])
    spread = d(res[:, k["left_forepaw"]], res[:, k["right_forepaw"]])
    assert np.nanmedian(spread[rear]) > 1.5 * np.nanmedian(spread[idle])
    groom = _inner(rec.labels, B["grooming"])
    paw_nose = d(res[:, k["left_forepaw"]], res[:, k["nose"]]) / body
    assert np.nanmedian(paw_nose[groom]) < 0.15 < np.nanmedian(paw_nose[idle])
    spine = res[:, k["spine"]]
    speed = np.r_[0, d(spine[1:], spine[:-1])] / body
    for still in (groom, idle, rear):
        assert np.nanmedian(speed[still]) < 0.05
    # approach: from far to about one body length, intruder still
    labels = rec.labels
    edges = np.flatnonzero(np.diff(np.r_[-1, labels, -1]) != 0)
    centre = d(res[:, k["spine"]], intr[:, k["spine"]]) / body
    for t0, t1 in zip(edges[:-1], edges[1:]):
        if labels[t0] == B["approach"]:
            assert np.nanmean(centre[t0 : t0 + 3]) > 2.0
            assert 1.5 < np.nanmean(centre[t1 - 3 : t1]) < 2.3
    # following: both move, the resident behind the intruder
    fol = _inner(rec.labels, B["following"])
    intr_speed = np.r_[0, d(intr[1:, k["spine"]], intr[:-1, k["spine"]])] / body
    assert np.nanmedian(intr_speed[fol]) > 0.02
    assert np.nanmedian(speed[fol]) > 0.02
    assert np.nanmedian(d(res[fol, 0], intr[fol, k["tail_base"]])) < 0.8 * body


def test_ko_reduces_nose_to_nose_only():
    shares = {}
    for genotype in ("wt", "ko"):
        labels = np.concatenate(
            [
                generate_synthetic(9000, genotype=genotype, seed=s).labels
                for s in range(3)
            ]
        )
        shares[genotype] = np.bincount(labels, minlength=len(BEHAVIOURS)) / len(labels)
    wt, ko = shares["wt"], shares["ko"]
    assert ko[B["nose_to_nose"]] < 0.4 * wt[B["nose_to_nose"]]
    assert 0.8 < ko[B["approach"]] / wt[B["approach"]] < 1.25


def test_behaviours_separable_from_simple_features():
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import f1_score

    recs = [
        generate_synthetic(3000, seed=s, genotype=g)
        for s, g in ((11, "wt"), (12, "ko"), (13, "wt"))
    ]
    feats = [
        frame_features(r.poses.position, r.poses.metadata["body_length"]) for r in recs
    ]
    clf = RandomForestClassifier(40, min_samples_leaf=2, random_state=0, n_jobs=1)
    clf.fit(np.vstack(feats[:2]), np.concatenate([r.labels for r in recs[:2]]))
    pred = clf.predict(feats[2])
    assert f1_score(recs[2].labels, pred, average="macro") >= 0.85


def test_render_video_draws_mice_under_keypoints():
    rec = generate_synthetic(60, seed=2, render_video=True, image_size=128)
    assert rec.video.shape == (60, 128, 128) and rec.video.dtype == np.uint8
    spine = rec.poses.position[:, :, KEYPOINTS.index("spine")]
    for i in range(2):
        t = np.flatnonzero(np.isfinite(spine[:, i]).all(-1))
        x, y = np.round(spine[t, i]).astype(int).T
        assert len(t) > 50 and np.median(rec.video[t, y, x]) < 100
    assert np.median(rec.video) > 180  # light arena
    again = render_video(rec.poses, 128)
    assert again.shape == rec.video.shape
    assert np.mean(np.abs(again.astype(int) - rec.video)) < 10


def test_dataset_alternates_genotypes_and_is_reproducible():
    recs = make_synthetic_dataset(4, 200, seed=5)
    assert [r.genotype for r in recs] == ["wt", "ko", "wt", "ko"]
    assert len({r.seed for r in recs}) == 4
    again = make_synthetic_dataset(4, 200, seed=5)
    np.testing.assert_array_equal(recs[3].poses.position, again[3].poses.position)


def test_labels_frame_round_trips_through_csv(rec, tmp_path):
    table = labels_frame(rec)
    assert list(table.columns) == ["frame", *BEHAVIOURS]
    assert (table[list(BEHAVIOURS)].sum(axis=1) == 1).all()
    path = tmp_path / "synthetic_labels.csv"
    table.to_csv(path, index=False)
    back = pd.read_csv(path)
    onehot = back[list(BEHAVIOURS)].to_numpy()
    np.testing.assert_array_equal(onehot.argmax(1), rec.labels)
    np.testing.assert_array_equal(back["frame"], np.arange(3600))


@pytest.mark.parametrize("n_frames", [1, 2, 13])
def test_tiny_recordings(n_frames):
    rec = generate_synthetic(n_frames, seed=n_frames, render_video=True, image_size=32)
    assert rec.poses.n_frames == n_frames == len(rec.labels) == len(rec.video)


def test_render_video_rejects_other_skeletons(rec):
    from behavert.errors import SkeletonMismatchError

    other = rec.poses.replace(
        position=rec.poses.position[:, :, :3],
        confidence=rec.poses.confidence[:, :, :3],
        keypoints=KEYPOINTS[:3],
        edges=(),
    )
    with pytest.raises(SkeletonMismatchError, match="12 synthetic keypoints"):
        render_video(other)
