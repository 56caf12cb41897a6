"""MABe22 mouse-triplet loader on small synthetic files in the published layout."""

from __future__ import annotations

import numpy as np
import pytest

from behavert.errors import FileProblemError, NotAPoseTableError
from behavert.io.mabe22 import MABE22_KEYPOINTS, load_mabe22


def synthetic_mabe22_dict(n_frames=30, with_labels=True) -> dict:
    """A synthetic dict in the user_train.npy layout (frame, mouse, kp, xy)."""
    seqs = {}
    for s in range(2):
        kp = np.empty((n_frames, 3, 12, 2))
        for m in range(3):
            for k in range(12):
                kp[:, m, k, 0] = 100 * m + k  # x
                kp[:, m, k, 1] = 400 + np.arange(n_frames)  # y
        kp[5, 2, 11] = np.nan
        rec = {"keypoints": kp}
        if with_labels:
            ann = np.zeros((2, n_frames))
            ann[0, 10:20] = 1
            ann[1] = s
            rec["annotations"] = ann
        seqs[f"SEQ{s:04d}"] = rec
    data = {"sequences": seqs}
    if with_labels:
        data["vocabulary"] = ["chases", "lights"]
    return data


def test_train_file(tmp_path):
    path = tmp_path / "user_train.npy"
    np.save(path, synthetic_mabe22_dict(), allow_pickle=True)
    items = load_mabe22(path, trust_pickle=True)
    assert len(items) == 2
    poses, labels = items[1]
    assert poses.position.shape == (30, 3, 12, 2)
    assert poses.keypoints == MABE22_KEYPOINTS
    assert poses.individuals == ("mouse_0", "mouse_1", "mouse_2")
    assert poses.position[7, 2, 4, 0] == 204  # x
    assert poses.position[7, 2, 4, 1] == 407  # y
    assert np.isnan(poses.confidence[5, 2, 11]) and poses.confidence[5, 2, 10] == 1
    assert poses.metadata["sequence_id"] == "SEQ0001"
    assert labels.names == ("chases", "lights")
    assert labels.multi_label and labels.values.dtype == bool
    assert labels.values.shape == (30, 2)
    assert labels.values[:, 0].sum() == 10 and labels.values[:, 1].all()


def test_submission_file_has_no_labels(tmp_path):
    path = tmp_path / "submission_keypoints.npy"
    np.save(path, synthetic_mabe22_dict(with_labels=False), allow_pickle=True)
    items = load_mabe22(path, trust_pickle=True)
    assert [lab for _, lab in items] == [None, None]


def test_refuses_pickle_without_trust(tmp_path):
    path = tmp_path / "user_train.npy"
    np.save(path, synthetic_mabe22_dict(), allow_pickle=True)
    with pytest.raises(FileProblemError, match=r"user_train\.npy.*trust_pickle"):
        load_mabe22(path)


def test_wrong_layout(tmp_path):
    data = synthetic_mabe22_dict()
    data["sequences"]["SEQ0000"]["keypoints"] = np.zeros((30, 3, 2, 12))
    path = tmp_path / "bad.npy"
    np.save(path, data, allow_pickle=True)
    with pytest.raises(NotAPoseTableError, match="12 keypoints"):
        load_mabe22(path, trust_pickle=True)
    np.save(path, {"vocabulary": []}, allow_pickle=True)
    with pytest.raises(NotAPoseTableError, match="sequences"):
        load_mabe22(path, trust_pickle=True)
