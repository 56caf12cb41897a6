"""Real labelled data: BehaVERT beats a tuned distance threshold on ethome `interact`.

The first 70 % of the recording trains (BehaVERT holds out a time block of it
for early stopping), the last 30 % tests. Same comparison as
benchmarks/bench_ethome.py, one seed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.realdata

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_ethome.py"


@pytest.fixture(scope="module")
def bench(shared_data):
    spec = importlib.util.spec_from_file_location("bench_ethome", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.DATA = shared_data / "labelled" / "ethome_resident_intruder"
    return module


def test_behavert_beats_the_distance_threshold_on_held_out_frames(bench):
    poses, truth = bench.load(bench.DATA)
    assert poses.n_frames == 5700 and int(truth.sum()) == 673
    cut = int(round(0.7 * poses.n_frames))
    baseline = bench.run_baseline(poses, truth, cut)
    ours = bench.run_behavert(
        poses,
        truth,
        cut,
        seed=0,
        steps=300,
        pretrain_steps=0,
        preset="tiny",
        min_bout=15,
    )
    print(f"threshold F1 {baseline['f1']:.3f}, BehaVERT F1 {ours['f1']:.3f}")
    assert 0.5 < baseline["f1"] < 0.8  # the baseline is a real competitor
    assert ours["f1"] > baseline["f1"] + 0.05
    assert ours["ap"] > baseline["ap"]
