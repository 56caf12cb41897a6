"""benchmarks/bench_rat.py: the split by session, the label budgets and the report."""

from __future__ import annotations

import json

import numpy as np
import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark, shared_data):
    module = load_benchmark("bench_rat")
    module.DATA = shared_data / "labelled" / "rat_social_cba"
    return module


def test_sessions_are_split_and_budgets_nested(bench):
    train, test = bench.train_sessions(), list(bench.TEST)
    assert len(train) + len(test) == len(bench.session_numbers()) == 46
    assert not set(train) & set(test)
    for task in bench.TASKS:
        for seed in (0, 1):
            drawn = [bench.budget_sessions(task, seed, b) for b in bench.BUDGETS]
            assert [len(d) for d in drawn[:3]] == [1, 3, 10]
            for small, large in zip(drawn, drawn[1:]):
                assert set(small) < set(large)
            assert not set(drawn[-1]) & set(test)
            assert all(bench.labels_of(n, task) is not None for n in drawn[-1])
            assert bench.eligible(drawn[0][0], task)  # a session with the behaviours
    assert len(bench.test_sessions("S2")) == 7  # 4 test sessions have no S2 stream


def test_scores_use_the_task_classes_only(bench):
    truth = bench.targets(24, "S1")
    names = bench.class_names("S1")
    assert names == ("other", *bench.S1_CLASSES) and (truth == -100).sum() == 1384
    perfect = np.eye(len(names))[np.maximum(truth, 0)]
    assert bench.score("S1", truth, perfect)["macro_f1"] == pytest.approx(1.0)
    social = np.zeros_like(perfect)
    social[:, names.index("social")] = 1
    res = bench.score("S1", truth, social)
    assert res["f1/aggression"] == 0 and 0 < res["macro_f1"] < 0.34
    s2 = bench.targets(24, "S2")
    assert bench.class_names("S2")[0] == "base" and (s2 >= 0).all()


def test_report_writes_table_plot_and_gains(bench, tmp_path):
    rows = []
    for seed in (0, 1):
        for arm, f1 in [("forest", 0.5), ("scratch", 0.6), ("pretrained", 0.65)]:
            row = {"task": "S1", "budget": "3", "seed": seed, "arm": arm,
                   "macro_f1": f1 + seed / 100, "mean_ap": 0.5, "seconds": 1.0,
                   "pretrain_seconds": 9.0}  # fmt: skip
            row.update({f"f1/{c}": f1 for c in bench.S1_CLASSES})
            rows.append(row)
    results = tmp_path / "rows.jsonl"
    results.write_text("".join(json.dumps(r) + "\n" for r in rows))
    doc = tmp_path / "docs" / "benchmarks.md"
    bench.write_report(results, doc)
    text = doc.read_text()
    assert "<!-- bench_rat:start -->" in text and "Test sessions: 4, 9, 14" in text
    assert "| 3 | 0.505 ± 0.007" in text  # forest, 2 seeds
    assert "+0.050 (per seed +0.050, +0.050)" in text  # pretrained - scratch
    assert (tmp_path / "docs" / "images" / "bench_rat.png").stat().st_size > 1000
