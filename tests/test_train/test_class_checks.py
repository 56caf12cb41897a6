"""Labels with nothing to learn are reported before training (train.label_checks)."""

from __future__ import annotations

import numpy as np
import pytest

from behavert.errors import ConfigError, LabelWarning
from behavert.train.label_checks import check_frame_classes, check_groups

NAMES = ("other", "groom", "rear")


def test_a_class_that_never_occurs_is_named_with_counts():
    targets = [np.array([0, 0, 1, 1, -100]), np.array([1, 0, 0])]
    with pytest.warns(LabelWarning, match=r"1 of 3 classes never occur in 7 labelled"):
        check_frame_classes(targets, NAMES, False, ["synthetic_a.csv", None])
    with pytest.warns(LabelWarning, match="'rear'"):
        check_frame_classes(targets, NAMES, False)


def test_a_single_class_everywhere_is_reported_and_no_label_is_an_error():
    with pytest.warns(
        LabelWarning, match=r"every one of the 4 labelled frames is 'groom'"
    ):
        check_frame_classes([np.array([1, 1, 1, 1])], NAMES, False, ["synthetic.csv"])
    with pytest.raises(ConfigError, match="synthetic.csv: no frame is labelled"):
        check_frame_classes([np.full(5, -100)], NAMES, False, ["synthetic.csv"])


def test_multi_label_columns_never_or_always_present():
    values = np.array([[1, 0, 1], [1, 0, 0], [1, 0, 1], [-1, -1, -1]], dtype=float)
    with pytest.warns(LabelWarning) as caught:
        check_frame_classes([values], ("a", "b", "c"), True, ["synthetic.csv"])
    messages = [str(w.message) for w in caught]
    assert any("'a' is present in every labelled frame (3 of 3" in m for m in messages)
    assert any(
        "'b' is never present in any labelled frame (0 of 3" in m for m in messages
    )
    assert not any("'c'" in m for m in messages)


def test_clean_labels_say_nothing(recwarn):
    check_frame_classes([np.array([0, 1, 2, 0])], NAMES, False)
    check_groups(["wt", "ko", "wt", "ko"])
    assert not [w for w in recwarn if issubclass(w.category, LabelWarning)]


def test_sequence_groups():
    with pytest.warns(LabelWarning, match="all 3 recordings are in group 'wt'"):
        check_groups(["wt", "wt", "wt"])
    with pytest.warns(LabelWarning, match="'ko'.* a single recording"):
        check_groups(["wt", "wt", "ko"])
