"""CalMS21 loader on small synthetic files written in the published layout."""

from __future__ import annotations

import json

import numpy as np
import pytest

from behavert.errors import FileProblemError, NotAPoseTableError
from behavert.io.calms21 import (
    CALMS21_KEYPOINTS,
    CALMS21_TASK1_VOCAB,
    load_calms21,
)
from behavert.io.load import load_poses


def synthetic_calms21_dict(split="train", n_seq=2, n_frames=20, seed=0) -> dict:
    """A synthetic dict in the CalMS21 task-1 layout (frame, mouse, xy, kp)."""
    rng = np.random.default_rng(seed)
    seqs = {}
    for s in range(n_seq):
        kp = np.empty((n_frames, 2, 2, 7))
        # x = 100 * mouse + keypoint, y = 500 + frame: easy to check the axes
        for m in range(2):
            for k in range(7):
                kp[:, m, 0, k] = 100 * m + k
                kp[:, m, 1, k] = 500 + np.arange(n_frames)
        seqs[f"task1/{split}/mouse{s + 1:03d}_task1_annotator1"] = {
            "keypoints": kp.tolist(),
            "scores": rng.uniform(0.5, 1, (n_frames, 2, 7)).tolist(),
            "annotations": (np.arange(n_frames) % 4).tolist(),
            "metadata": {"annotator-id": 0, "vocab": dict(CALMS21_TASK1_VOCAB)},
        }
    return {"annotator-id_0": seqs}


def test_json_shapes_names_axes_labels(tmp_path):
    path = tmp_path / "calms21_task1_train.json"
    path.write_text(json.dumps(synthetic_calms21_dict()))
    items = load_calms21(path)
    assert len(items) == 2
    poses, labels = items[0]
    assert poses.position.shape == (20, 2, 7, 2)
    assert poses.keypoints == CALMS21_KEYPOINTS
    assert poses.individuals == ("resident", "intruder")
    # x is 100 * mouse + keypoint, y is 500 + frame
    assert poses.position[3, 1, 5, 0] == 105
    assert poses.position[3, 1, 5, 1] == 503
    assert poses.confidence.shape == (20, 2, 7)
    assert poses.fps == 30.0
    assert poses.metadata["sequence_id"] == "task1/train/mouse001_task1_annotator1"
    assert labels.names == ("attack", "investigation", "mount", "other")
    assert labels.values.shape == (20, 4)
    assert labels.values.argmax(axis=1).tolist() == (np.arange(20) % 4).tolist()


def test_split_filter(tmp_path):
    data = synthetic_calms21_dict("train")
    data["annotator-id_0"].update(synthetic_calms21_dict("test")["annotator-id_0"])
    path = tmp_path / "both.json"
    path.write_text(json.dumps(data))
    assert len(load_calms21(path)) == 4
    test = load_calms21(path, split="test")
    assert [p.metadata["sequence_id"].split("/")[1] for p, _ in test] == ["test"] * 2
    with pytest.raises(NotAPoseTableError, match="split 'val'"):
        load_calms21(path, split="val")


def test_npy_needs_trust(tmp_path):
    data = synthetic_calms21_dict()
    for rec in data["annotator-id_0"].values():
        rec["keypoints"] = np.asarray(rec["keypoints"])
    path = tmp_path / "calms21_task1_train.npy"
    np.save(path, data, allow_pickle=True)
    with pytest.raises(FileProblemError, match="trust_pickle=True"):
        load_calms21(path)
    items = load_calms21(path, trust_pickle=True)
    assert items[1][0].position.shape == (20, 2, 7, 2)
    with pytest.raises(FileProblemError, match="trust_pickle"):
        load_poses(path, source="calms21")


def test_registered_loader(tmp_path):
    path = tmp_path / "calms21_task1_test.json"
    path.write_text(json.dumps(synthetic_calms21_dict("test", n_seq=3)))
    poses = load_poses(path, source="calms21")
    assert poses.source == "calms21"
    assert poses.position.shape == (20, 2, 7, 2)
    assert len(poses.metadata["sequences"]) == 3


def test_wrong_layout_is_named(tmp_path):
    data = synthetic_calms21_dict()
    rec = next(iter(data["annotator-id_0"].values()))
    rec["keypoints"] = np.zeros((20, 2, 7, 2)).tolist()  # kp and xy swapped
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(NotAPoseTableError, match=r"bad\.json.*2 coords"):
        load_calms21(path)


def test_task2_annotator_groups(tmp_path):
    """Task 2 (annotator style): one group per annotator, task-1 vocabulary."""
    data = {}
    for annotator in (1, 4):
        seqs = synthetic_calms21_dict(n_seq=1, seed=annotator)["annotator-id_0"]
        rec = next(iter(seqs.values()))
        rec["metadata"]["annotator-id"] = annotator
        data[f"annotator-id_{annotator}"] = {
            f"task2/train/mouse{annotator:03d}_task2_annotator{annotator}": rec
        }
    path = tmp_path / "calms21_task2_train.json"
    path.write_text(json.dumps(data))
    items = load_calms21(path, split="train")
    assert [p.metadata["group"] for p, _ in items] == [
        "annotator-id_1",
        "annotator-id_4",
    ]
    assert [p.metadata["calms21"]["annotator-id"] for p, _ in items] == [1, 4]
    assert all(
        lab.names == ("attack", "investigation", "mount", "other") for _, lab in items
    )


def test_task3_one_group_per_new_behaviour(tmp_path):
    """Task 3 (new behaviours): groups are behaviour names, binary vocabularies."""
    n = 12
    data = {}
    for name in ("approach", "disengaged"):
        rec = next(
            iter(synthetic_calms21_dict(n_seq=1, n_frames=n)["annotator-id_0"].values())
        )
        rec["annotations"] = [0, 1] * (n // 2)
        rec["metadata"] = {"vocab": {"other": 0, name: 1}}
        data[name] = {f"task3/{name}/train/mouse001_task3_{name}": rec}
    path = tmp_path / "calms21_task3_train.json"
    path.write_text(json.dumps(data))
    items = load_calms21(path, split="train")
    assert [lab.names for _, lab in items] == [
        ("other", "approach"),
        ("other", "disengaged"),
    ]
    assert items[1][1].values[:, 1].tolist() == [False, True] * (n // 2)
    assert items[0][0].metadata["group"] == "approach"
