"""Caltech Behavior Annotator files: round trip, streams, the real rat sessions."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from behavert.cli import app
from behavert.errors import BehavertWarning, LabelFileError
from behavert.io import load_poses
from behavert.io.boris import Bout
from behavert.io.cba import load_cba_labels, read_cba, save_cba
from behavert.io.labels import load_frame_labels

RAT = "labelled/rat_social_cba"


def _rat_files(shared_data, session: int):
    folder = shared_data / RAT
    poses = next((folder / "dlc_csv").glob(f"{session}DLC*.csv"))
    return poses, folder / "annotations" / f"{session}_annot.txt"


def test_round_trip_keeps_streams_frames_and_crlf(tmp_path):
    streams = {
        "S1": [Bout(0, 10, "base"), Bout(10, 25, "social"), Bout(25, 30, "fight")],
        "S2": [Bout(0, 12, "base"), Bout(12, 30, "bite")],
    }
    names = ["base", "social", "fight", "bite"]
    path = save_cba(streams, tmp_path / "synthetic_annot.txt", behaviours=names)
    raw = path.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")  # CRLF throughout
    assert b"   \t1\t10\tbase\r\n" in raw  # 1-based, inclusive
    cba = read_cba(path)
    assert cba.behaviours == tuple(names)
    assert len(set(cba.keys.values())) == len(names)  # one key per behaviour
    assert {k: list(v) for k, v in cba.streams.items()} == streams
    again = save_cba(cba.streams, tmp_path / "again.txt", keys=cba.keys)
    assert again.read_bytes() == raw
    s2 = load_frame_labels(path, stream=2)
    assert s2.names == ("base", "bite") and s2.n_frames == 30  # the stream's own
    assert s2.counts() == {"base": 12, "bite": 18}
    every = load_frame_labels(path, stream=2, behaviours=names)
    assert every.counts() == {"base": 12, "social": 0, "fight": 0, "bite": 18}


def test_streams_are_chosen_by_name_or_number_and_errors_name_the_file(tmp_path):
    path = save_cba(
        {"S1": [Bout(0, 5, "a")], "S2": [Bout(2, 5, "b")]}, tmp_path / "x.txt"
    )
    assert load_cba_labels(path).counts() == {"a": 5}  # default: the first stream
    assert load_cba_labels(path, stream="S2:").counts() == {"b": 3}
    with pytest.raises(LabelFileError, match=r"x\.txt.*S3.*\['S1', 'S2'\]"):
        load_cba_labels(path, stream=3)
    with pytest.raises(LabelFileError, match="x.txt.*do not overlap"):
        load_cba_labels(path, frame_index=np.arange(100, 200))
    csv = tmp_path / "plain.csv"
    csv.write_text("frame,a\n0,1\n1,0\n")
    with pytest.raises(LabelFileError, match="plain.csv.*stream"):
        load_frame_labels(csv, stream="S1")
    bad = tmp_path / "bad_annot.txt"
    bad.write_text(path.read_text().replace("\t1\t5\ta", "\t5\t1\ta"))
    with pytest.raises(LabelFileError, match=r"bad_annot\.txt: line \d+: bout 5-1"):
        read_cba(bad)


def test_gapped_frame_index_aligns_by_frame_number(tmp_path):
    path = save_cba({"S1": [Bout(0, 4, "a"), Bout(4, 10, "b")]}, tmp_path / "g.txt")
    labels = load_cba_labels(path, frame_index=[0, 2, 4, 6, 8])
    assert labels.values[:, 0].tolist() == [True, True, False, False, False]
    assert labels.values[:, 1].tolist() == [False, False, True, True, True]


def test_real_session_streams_one_based_bouts(shared_data):
    cba = read_cba(shared_data / RAT / "annotations" / "1_annot.txt")
    assert list(cba.streams) == ["S1", "S2"]
    assert {k: len(v) for k, v in cba.streams.items()} == {"S1": 70, "S2": 107}
    assert cba.keys["base"] == "z" and cba.keys["aggression"] == "a"
    assert cba.streams["S1"][:2] == (Bout(0, 535, "base"), Bout(535, 961, "social"))
    s1 = load_frame_labels(cba.path, n_frames=14734)
    assert s1.values[534, s1.names.index("base")]  # 1-based frame 535
    assert s1.values[535, s1.names.index("social")]  # 1-based frame 536
    assert s1.values.any(axis=1).all()  # S1 covers every frame of the session
    assert set(s1.names) == {"base", "social", "nonsocial", "aggression"}
    assert all(s1.counts().values())


def test_real_labels_past_the_poses_are_trimmed_with_a_warning(shared_data):
    pose_file, annot = _rat_files(shared_data, 39)
    poses = load_poses(pose_file)
    assert poses.n_frames == 14310  # the last S1/S2 bouts end at 1-based 14313
    with pytest.warns(BehavertWarning, match=r"39_annot\.txt.*3 frame\(s\)"):
        labels = load_frame_labels(
            annot, n_frames=poses.n_frames, frame_index=poses.frame_index
        )
    assert labels.n_frames == poses.n_frames


def test_cli_trains_on_a_cba_stream(shared_data, tmp_path, capsys):
    pose_file, annot = _rat_files(shared_data, 39)
    run = tmp_path / "run"
    args = ["train", str(pose_file), "--labels", str(annot), "--stream", "S2"]
    fast = ["--preset", "tiny", "--steps", "2", "--batch-size", "4", "--window", "64"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BehavertWarning)  # the trimmed frames
        assert app([*args, "--out", str(run), "--val-fraction", "0", *fast]) == 0
    config = json.loads((run / "model" / "config.json").read_text())
    assert config["frame_labels"] == [  # S2's classes in session 39
        "other", "base", "lateralthreat", "uprightposture", "bite", "clinch",
    ]  # fmt: skip
    assert app([*args[:-2], "--stream", "S9", "--out", str(tmp_path / "x"), *fast]) == 2
    assert "39_annot.txt" in capsys.readouterr().err


def test_unscored_class_becomes_ignored_frames(tmp_path):
    from behavert.io.labels import drop_unscored, to_class_indices

    bouts = [Bout(0, 4, "base"), Bout(4, 7, "social"), Bout(7, 10, "fight")]
    path = save_cba({"S1": bouts}, tmp_path / "u.txt")
    labels = load_cba_labels(path)
    kept = to_class_indices(labels, background="other")  # base is a class
    assert labels.names == ("base", "social", "fight") and (kept[:4] == 1).all()
    ignored = drop_unscored(labels, ["base"])
    assert ignored.names == ("social", "fight")
    assert ignored.scored.tolist() == [False] * 4 + [True] * 6
    assert to_class_indices(ignored).tolist() == [-100] * 4 + [1] * 3 + [2] * 3
    with pytest.raises(LabelFileError, match=r"u\.txt.*no behaviour \['bas'\]"):
        drop_unscored(labels, ["bas"])


def test_cli_ignores_unscored_frames_in_training_and_metrics(
    shared_data, tmp_path, capsys
):
    pose_file, annot = _rat_files(shared_data, 39)
    run = tmp_path / "run"
    fast = ["--preset", "tiny", "--steps", "2", "--batch-size", "4", "--window", "64"]
    labels = ["--labels", str(annot), "--unscored", "base"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BehavertWarning)  # the trimmed frames
        args = ["train", str(pose_file), *labels, "--out", str(run), *fast]
        args += ["--val-fraction", "0"]
        assert app(args) == 0
        classes = json.loads((run / "model" / "config.json").read_text())
        assert "base" not in classes["frame_labels"]
        out = tmp_path / "metrics.json"
        args = ["evaluate", str(run), str(pose_file), *labels, "--out", str(out)]
        assert app(args) == 0
    metrics = json.loads(out.read_text())
    scored = load_frame_labels(annot, n_frames=14310)
    n_base = scored.counts()["base"]
    assert metrics["n_frames"] == 14310 - n_base  # base frames left out
    assert "f1/base" not in metrics
