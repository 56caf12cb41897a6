"""SLEAP readers: real .slp and analysis .h5 files, synthetic labels and layouts."""

from __future__ import annotations

import warnings

import h5py
import numpy as np
import pytest
import sleap_io as sio

from behavert import Poses, load_poses
from behavert.errors import (
    BehavertWarning,
    CorruptFileError,
    MissingVideoWarning,
    NotAPoseTableError,
)

CENTERED = "sleap/centered_pair/centered_pair_predictions.slp"
CENTERED_H5 = "sleap/centered_pair/centered_pair_standard.analysis.h5"


def test_centered_pair_slp_equals_analysis_h5(shared_data):
    slp = load_poses(shared_data / CENTERED)
    h5 = load_poses(shared_data / CENTERED_H5)
    assert slp.source == "sleap" and h5.source == "sleap_analysis"
    assert slp.position.shape == (1100, 27, 24, 2)
    assert slp.individuals == tuple(str(i) for i in range(1, 28))  # fragments
    assert slp.keypoints[:3] == ("head", "neck", "thorax")
    assert len(slp.edges) == 23 and slp.edges == h5.edges
    np.testing.assert_array_equal(slp.position, h5.position)  # NaNs included
    np.testing.assert_array_equal(slp.confidence, h5.confidence)
    assert 0.9 < np.isnan(slp.position[..., 0]).mean() < 0.95
    # stored 'tests/data/json_format_v1/...' resolved next to the .slp
    assert (
        slp.video == shared_data / "sleap/centered_pair/centered_pair_low_quality.mp4"
    )
    assert h5.video == slp.video
    assert h5.metadata["layout"] == "standard"


def test_fly_courtship_old_layout_equals_slp(shared_data):
    slp = load_poses(shared_data / "sleap/fly_courtship/predictions.slp")
    h5 = load_poses(shared_data / "sleap/fly_courtship/predictions.analysis.h5")
    assert h5.metadata["layout"] == "transposed"
    assert h5.position.shape == (3000, 2, 13, 2)
    assert h5.individuals == slp.individuals == ("track_0", "track_1")
    assert h5.keypoints == slp.keypoints and slp.keypoints[-2:] == ("eyeL", "eyeR")
    np.testing.assert_array_equal(h5.position, slp.position)
    valid = ~np.isnan(h5.position[..., 0])
    assert (h5.confidence[valid] == 1.0).all()  # no point_scores in the file
    assert np.isnan(h5.confidence[~valid]).all()
    assert len(slp.edges) == 12


def test_deepof_transposed_with_scores_and_missing_video(shared_data):
    with pytest.warns(MissingVideoWarning, match="test2DLC_video_circular_arena"):
        slp = load_poses(shared_data / "dlc/deepof_tests/testDLC_sleap.slp")
    with pytest.warns(MissingVideoWarning):
        h5 = load_poses(shared_data / "dlc/deepof_tests/testDLC_sleap.analysis.h5")
    assert slp.video is None and h5.video is None
    assert slp.position.shape == h5.position.shape == (101, 1, 14, 2)
    np.testing.assert_array_equal(slp.position, h5.position)
    np.testing.assert_allclose(slp.confidence, h5.confidence, rtol=1e-6)
    assert h5.metadata["layout"] == "transposed"
    assert h5.individuals == ("track_0",)


def test_flies13_user_instances(shared_data):
    poses = load_poses(shared_data / "sleap/flies13/demo-flies13-preds.slp")
    assert poses.position.shape == (1350, 2, 13, 2)
    valid = ~np.isnan(poses.position[..., 0])
    assert valid.mean() > 0.9
    assert (poses.confidence[valid] == 1.0).all()  # user points
    assert poses.fps == pytest.approx(25.0)  # from the video


def test_clip_named_tracks(shared_data):
    poses = load_poses(shared_data / "sleap/clip_tracks/clip.predictions.slp")
    assert poses.individuals == ("female", "male")
    assert poses.keypoints == ("head", "thorax")
    assert poses.edge_names == [("thorax", "head")]  # as in the file
    assert poses.n_frames == 1500
    valid = ~np.isnan(poses.position[..., 0])
    assert (poses.confidence[valid] < 1.0).any()  # predicted scores


# ------------------------------------------------------------- synthetic .slp
def _skeleton():
    return sio.Skeleton(["nose", "tail"], edges=[("nose", "tail")])


def test_user_instance_wins_over_predicted(tmp_path):
    skeleton = _skeleton()
    video = sio.Video(filename="synthetic_missing.mp4", open_backend=False)
    track = sio.Track("animal")
    pred = sio.PredictedInstance.from_numpy(
        np.array([[1.0, 2.0], [3.0, 4.0]]),
        skeleton=skeleton,
        point_scores=np.array([0.5, 0.25]),
        track=track,
    )
    user = sio.Instance.from_numpy(
        np.array([[10.0, 20.0], [30.0, 40.0]]), skeleton=skeleton, track=track
    )
    frames = [
        sio.LabeledFrame(video=video, frame_idx=0, instances=[pred, user]),
        sio.LabeledFrame(
            video=video,
            frame_idx=2,
            instances=[
                sio.PredictedInstance.from_numpy(
                    np.array([[5.0, 6.0], [np.nan, np.nan]]),
                    skeleton=skeleton,
                    point_scores=np.array([0.75, 0.1]),
                    track=track,
                )
            ],
        ),
    ]
    labels = sio.Labels(frames, videos=[video], skeletons=[skeleton], tracks=[track])
    sio.save_slp(labels, str(tmp_path / "synthetic.slp"), verbose=False)
    with pytest.warns(MissingVideoWarning):
        poses = load_poses(tmp_path / "synthetic.slp")
    assert poses.individuals == ("animal",)
    assert poses.n_frames == 3
    np.testing.assert_array_equal(poses.position[0, 0], [[10, 20], [30, 40]])
    np.testing.assert_array_equal(poses.confidence[0, 0], [1.0, 1.0])
    assert np.isnan(poses.position[1]).all()  # frame without labels
    np.testing.assert_array_equal(poses.confidence[2, 0, 0], 0.75)
    assert np.isnan(poses.confidence[2, 0, 1])  # missing point
    assert poses.edges == ((0, 1),)


def test_untracked_instances(tmp_path):
    skeleton = _skeleton()
    video = sio.Video(filename="synthetic.mp4", open_backend=False)
    frames = [
        sio.LabeledFrame(
            video=video,
            frame_idx=t,
            instances=[
                sio.PredictedInstance.from_numpy(
                    np.full((2, 2), t * 10.0 + j),
                    skeleton=skeleton,
                    point_scores=np.ones(2),
                )
                for j in range(2)
            ],
        )
        for t in range(4)
    ]
    labels = sio.Labels(frames, videos=[video], skeletons=[skeleton])
    sio.save_slp(labels, str(tmp_path / "synthetic_untracked.slp"), verbose=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingVideoWarning)
        poses = load_poses(tmp_path / "synthetic_untracked.slp")
    assert poses.individuals == ("instance_0", "instance_1")
    assert poses.position.shape == (4, 2, 2, 2)
    assert set(poses.position[3, :, 0, 0]) == {30.0, 31.0}
    assert poses.metadata["n_untracked_instances"] == 8


def test_untracked_left_out_when_tracks_exist(tmp_path):
    skeleton = _skeleton()
    video = sio.Video(filename="synthetic.mp4", open_backend=False)
    track = sio.Track("a")
    inst = [
        sio.Instance.from_numpy(np.ones((2, 2)), skeleton=skeleton, track=track),
        sio.Instance.from_numpy(np.zeros((2, 2)), skeleton=skeleton),
    ]
    labels = sio.Labels(
        [sio.LabeledFrame(video=video, frame_idx=0, instances=inst)],
        videos=[video],
        skeletons=[skeleton],
        tracks=[track],
    )
    sio.save_slp(labels, str(tmp_path / "synthetic_mixed.slp"), verbose=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        poses = load_poses(tmp_path / "synthetic_mixed.slp")
    assert any(
        issubclass(w.category, BehavertWarning) and "without a track" in str(w.message)
        for w in caught
    )
    assert poses.individuals == ("a",)
    np.testing.assert_array_equal(poses.position[0, 0], np.ones((2, 2)))


def test_truncated_slp_is_corrupt(shared_data, tmp_path):
    data = (shared_data / CENTERED).read_bytes()
    (tmp_path / "half.slp").write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFileError, match="half.slp"):
        load_poses(tmp_path / "half.slp")


# --------------------------------------------------- synthetic analysis files
def _write_analysis(path, tracks, nodes, track_names, **extra):
    with h5py.File(path, "w") as f:
        f["tracks"] = tracks
        f["node_names"] = np.array([n.encode() for n in nodes])
        f["track_names"] = np.array([n.encode() for n in track_names])
        for key, value in extra.items():
            f[key] = value


def test_analysis_layouts(tmp_path):
    rng = np.random.default_rng(1)
    standard = rng.random((6, 2, 3, 2))  # (frame, track, node, xy)
    scores = rng.random((6, 2, 3))
    nodes, names = ["nose", "neck", "tail_base"], ["m1", "m2"]
    _write_analysis(
        tmp_path / "synthetic_std.h5",
        standard,
        nodes,
        names,
        point_scores=scores,
        edge_inds=np.array([[0, 1], [1, 9]]),
    )
    _write_analysis(
        tmp_path / "synthetic_old.h5",
        standard.transpose(1, 3, 2, 0),  # (track, xy, node, frame)
        nodes,
        names,
        point_scores=scores.transpose(1, 2, 0),
    )
    std = load_poses(tmp_path / "synthetic_std.h5")
    old = load_poses(tmp_path / "synthetic_old.h5", source="sleap_analysis")
    np.testing.assert_array_equal(std.position, standard)
    np.testing.assert_array_equal(old.position, standard)
    np.testing.assert_array_equal(old.confidence, scores)
    assert std.individuals == ("m1", "m2") and std.keypoints == tuple(nodes)
    assert std.edges == ((0, 1),)  # the out-of-range edge is dropped
    assert old.edge_names == [("nose", "neck"), ("neck", "tail_base")]  # default


def test_analysis_bad_shape(tmp_path):
    _write_analysis(tmp_path / "bad.h5", np.zeros((4, 5, 6, 7)), ["a", "b"], ["t"])
    with pytest.raises(NotAPoseTableError, match="bad.h5"):
        load_poses(tmp_path / "bad.h5")


# ------------------------------------------------------------------------ fps
def test_fps_round_trip_through_provenance(tmp_path):
    from behavert.datasets.synthetic import generate_synthetic
    from behavert.io.save import save_slp, slp_labels

    poses = generate_synthetic(40, seed=0, fps=12.5).poses
    save_slp(poses, tmp_path / "synthetic.slp")
    with pytest.warns(MissingVideoWarning):  # synthetic.mp4 is not there
        loaded = load_poses(tmp_path / "synthetic.slp")
    assert loaded.fps == 12.5
    np.testing.assert_allclose(loaded.position, poses.position, rtol=1e-5)
    for bad in (None, 0, "fast"):  # not stored / not a positive number
        labels = slp_labels(poses, "synthetic_absent.mp4")
        labels.provenance["fps"] = bad
        sio.save_slp(labels, str(tmp_path / "synthetic_bad.slp"), verbose=False)
        with pytest.warns(MissingVideoWarning):
            assert load_poses(tmp_path / "synthetic_bad.slp").fps is None


# ------------------------------------------------------------------ stitching
def test_centered_pair_stitched_into_two(shared_data):
    from behavert.io.sleap import stitch_tracks

    raw = load_poses(shared_data / CENTERED)
    poses = stitch_tracks(raw, 2)
    assert poses.position.shape == (1100, 2, 24, 2)
    assert poses.individuals == ("individual_0", "individual_1")
    present = ~np.isnan(raw.position[..., 0]).all(axis=-1)  # (time, fragment)
    n_instances = present.sum(axis=1)
    kept = ~np.isnan(poses.position[..., 0]).all(axis=-1)  # (time, identity)
    assert kept[n_instances == 2].all()  # frames with 2 instances keep both
    points_raw = (~np.isnan(raw.position)).sum(axis=(1, 2, 3))
    points = (~np.isnan(poses.position)).sum(axis=(1, 2, 3))
    few = n_instances <= 2
    np.testing.assert_array_equal(points[few], points_raw[few])  # nothing invented
    assert (points <= points_raw).all()
    report = poses.metadata["stitching"]
    assert report["max_individuals"] == 2
    runs = [run for fragment in report["fragments"].values() for run in fragment]
    assert sum(run[3] for run in runs) == kept.sum()  # every kept instance reported
    assert sum(report["dropped_frames"].values()) == present.sum() - kept.sum()
    # every kept instance is one of the file's fragments, copied unchanged
    for name, fragment_runs in report["fragments"].items():
        f = raw.individuals.index(name)
        for identity, first, last, _ in fragment_runs:
            k = poses.individuals.index(identity)
            window = slice(first, last + 1)
            ok = kept[window, k] & present[window, f]
            np.testing.assert_array_equal(
                poses.position[window, k][ok], raw.position[window, f][ok]
            )
    via_load = load_poses(shared_data / CENTERED_H5, max_individuals=2)
    np.testing.assert_array_equal(via_load.position, poses.position)


def _fragments(tracks):
    """Poses with one 1-keypoint individual per (name, first, last, x) fragment."""
    n_time = max(last for _, first, last, x in tracks) + 1
    position = np.full((n_time, len(tracks), 1, 2), np.nan)
    for f, (_, first, last, x) in enumerate(tracks):
        position[first : last + 1, f, 0] = [x, 0.0]
    confidence = np.where(np.isnan(position[..., 0]), np.nan, 0.5)
    return Poses(position, confidence, ("thorax",), tuple(t[0] for t in tracks))


def test_stitch_by_proximity_and_never_two_on_one_identity():
    from behavert.io.sleap import stitch_tracks

    poses = _fragments(
        [
            ("a1", 0, 9, 0.0),  # animal A near x = 0
            ("b1", 0, 14, 100.0),  # animal B near x = 100
            ("b2", 15, 19, 101.0),  # B again after a break
            ("a2", 10, 19, 1.0),  # A again after a break
            ("ghost", 5, 6, 50.0),  # third instance in frames 5-6: left out
        ]
    )
    out = stitch_tracks(poses, 2)
    report = out.metadata["stitching"]["fragments"]
    assert report["a1"][0][0] == report["a2"][0][0] != report["b1"][0][0]
    assert report["b2"] == [[report["b1"][0][0], 15, 19, 5]]
    assert "ghost" not in report
    assert out.metadata["stitching"]["dropped_frames"] == {"ghost": 2}
    a = out.individuals.index(report["a1"][0][0])
    np.testing.assert_array_equal(out.position[:, a, 0, 0], [0.0] * 10 + [1.0] * 10)
    assert (out.confidence[:, a, 0] == 0.5).all()
    assert out.individuals == ("individual_0", "individual_1")
    assert stitch_tracks(poses, 5) is poses  # nothing to stitch


def test_stitch_untracked_columns_by_proximity():
    from behavert.io.sleap import stitch_tracks

    position = np.full((4, 3, 1, 2), np.nan)
    position[:, 0, 0] = [[0, 0], [200, 0], [1, 0], [201, 0]]  # columns swap
    position[:, 1, 0] = [[200, 0], [0, 0], [201, 0], [1, 0]]  # every frame
    poses = Poses(position, np.ones((4, 3, 1)), ("c",), ("i0", "i1", "i2"))
    out = stitch_tracks(poses, 2, sticky=False)
    np.testing.assert_array_equal(out.position[:, 0, 0, 0], [0, 0, 1, 1])
    np.testing.assert_array_equal(out.position[:, 1, 0, 0], [200, 200, 201, 201])


def test_max_individuals_checks(shared_data, tmp_path):
    from behavert.errors import ConfigError

    dlc = shared_data / "dlc/deepof_tests/testDLC_h5_table_madlc.h5"
    with pytest.raises(ConfigError, match="testDLC_h5_table_madlc.h5: max_indiv"):
        load_poses(dlc, max_individuals=2)
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="max_individuals"):
            load_poses(shared_data / CENTERED_H5, max_individuals=bad)


def test_stitch_new_fragment_joins_near_identity_or_starts_unused():
    from behavert.io.sleap import stitch_tracks

    offsets = np.array([[-5.0, 0.0], [0.0, 0.0], [5.0, 0.0]])  # body radius 5
    position = np.full((8, 3, 3, 2), np.nan)
    position[0:4, 0] = offsets + [0.0, 0.0]  # A alone, fragment "a1"
    position[5:8, 1] = offsets + [2.0, 0.0]  # A again, alone, near a1's centroid
    position[6:8, 2] = offsets + [300.0, 0.0]  # B appears far away
    poses = Poses(position, np.ones((8, 3, 3)), ("l", "c", "r"), ("a1", "a2", "b"))
    report = stitch_tracks(poses, 2).metadata["stitching"]["fragments"]
    assert report["a2"][0][0] == report["a1"][0][0] == "individual_0"
    assert report["b"] == [["individual_1", 6, 7, 2]]
    position = position.copy()  # Poses made the array read-only
    position[5, 1] += 100.0  # now far from a1 too: a2 starts the unused identity
    poses = poses.replace(position=position)
    report = stitch_tracks(poses, 2).metadata["stitching"]["fragments"]
    assert report["a2"][0][0] == "individual_1" and report["b"][0][0] == "individual_0"
