"""Smoke test of benchmarks/bench_real.py on a tiny slice of the ethome recording."""

from __future__ import annotations

import sys

import numpy as np
import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("bench_real")


def test_split_never_cuts_a_bout(bench):
    truth = np.zeros(100, bool)
    truth[60:75] = True
    cut, note = bench.split_point(truth, 0.7)
    assert cut == 75 and "moved" in note
    truth[60:75] = False
    assert bench.split_point(truth, 0.7)[0] == 70


def test_blocks_cover_each_bout_and_budgets_keep_whole_blocks(bench):
    truth = np.zeros(100, bool)
    truth[10:20] = truth[40:45] = truth[80:90] = True
    blocks = bench.bout_blocks(truth)
    assert blocks == [(0, 30), (30, 62), (62, 100)]
    for (a, b), (s, e) in zip(blocks, [(10, 20), (40, 45), (80, 90)]):
        assert a <= s and e <= b
    assert len(bench.keep_blocks(3, 0.1, 0)) == 1
    assert bench.keep_blocks(3, 1.0, 5) == [0, 1, 2]
    assert len(bench.keep_blocks(8, 0.3, 1)) == 3


def test_time_folds_score_every_frame_once_and_never_cut_a_bout(bench):
    truth = np.zeros(300, bool)
    for a in (20, 95, 150, 240):
        truth[a : a + 12] = True
    truth[195:210] = True  # 100 and 200 fall inside bouts: moved to 95 and 195
    folds, note = bench.time_folds(truth, 3, 0.7)
    tests = [t for _, t in folds]
    assert tests == [(0, 95), (95, 195), (195, 300)]
    assert "moved" in note
    for train, (a, b) in folds:
        covered = np.zeros(300, int)
        covered[a:b] += 1
        for x, y in train:
            covered[x:y] += 1
        assert (covered == 1).all()  # train + test = the recording, no overlap
        blocks = bench.fold_blocks(truth, train)
        assert all(not (x < b and a < y) for x, y in blocks)  # no test frame
        assert (
            sum(truth[x:y].sum() for x, y in blocks) == truth.sum() - truth[a:b].sum()
        )
    single, _ = bench.time_folds(truth, 1, 0.7)
    assert single == [([(0, 210)], (210, 300))]


def test_tiny_run_writes_table_and_plot(bench, shared_data, tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Other\n\nkept\n")
    png = tmp_path / "f1.png"
    report = bench.main(
        [
            "--seeds", "0", "--budgets", "0.3", "1.0", "--steps", "3",
            "--pretrain-steps", "3", "--trees", "5", "--frames", "2400",
            "--data", str(shared_data / "labelled" / "ethome_resident_intruder"),
            "--write", str(doc), "--plot", str(png),
        ]
    )  # fmt: skip
    text = doc.read_text()
    assert "kept" in text and bench.START in text and bench.END in text
    rows = [r for r in report.splitlines() if r.startswith("| ") and "%" in r]
    names = {r.split("|")[1].split(" (")[0].strip() for r in rows}
    assert names == {"random forest", "BehaVERT from scratch", "BehaVERT pretrained"}
    assert len(rows) == 6
    for row in rows:
        f1 = float(row.split("|")[3])
        assert 0.0 <= f1 <= 1.0
    assert "LISBET: not run (pass --lisbet)" in report
    # pretrained on every real mouse recording, mapped onto the ethome skeleton
    assert "other real mouse recordings (list below)" in report
    assert "- openfield_dlc_inference_example.csv: 2330 frames, 1 animal(s)" in report
    assert png.stat().st_size > 1000


def test_lisbet_gets_one_coordinate_frame(bench):
    from behavert.io.poses import Poses

    def poses(lo, hi):
        pos = np.linspace(lo, hi, 40).reshape(5, 2, 2, 2)
        return Poses(
            position=pos,
            confidence=np.ones((5, 2, 2)),
            keypoints=("a", "b"),
            individuals=("r", "i"),
        )

    parts = [poses(10, 20), poses(0, 50), poses(30, 40)]
    lo, hi = bench.lisbet_scale(parts)
    scaled = [(p.position - lo) / (hi - lo) for p in parts]
    for xy in scaled:  # every part inside [0, 1], in the same frame
        assert xy.min() >= 0 and xy.max() <= 1
    assert scaled[0].min() > 0.15 and scaled[0].max() < 0.45  # not stretched
    assert scaled[1][..., 0].min() == 0 and scaled[1][..., 1].max() == 1


def test_rat_encoder_is_cached_and_transfers_to_the_mice(
    bench, load_benchmark, shared_data, tmp_path, monkeypatch
):
    """The rat -> mouse arm (issue 11 item 5) on a tiny rat encoder: the encoder
    is built once and then read back from its cache folder (safetensors); the
    transfer maps rat head -> mouse neck and tail base -> tail, and the
    fine-tuned mouse model gives a probability for every test frame."""
    from behavert.train import TrainConfig, pretrain, run_to_end

    rat = load_benchmark("bench_rat")
    rat.DATA = shared_data / "labelled" / "rat_social_cba"
    monkeypatch.setitem(sys.modules, "bench_rat", rat)
    cache_mod = load_benchmark("rat_encoder")
    cache_mod.B = rat
    built = []

    def tiny_build(seed):
        built.append(seed)
        poses = rat.poses_of(rat.train_sessions()[0]).select_frames(slice(0, 600))
        tc = TrainConfig(seed=seed, max_steps=3, batch_size=4)
        run = run_to_end(pretrain([poses], config="tiny", train_config=tc))
        return run, 1.5

    first, seconds = cache_mod.rat_encoder(0, tmp_path, build=tiny_build)
    again, seconds_again = cache_mod.rat_encoder(0, tmp_path, build=tiny_build)
    assert built == [0] and seconds == seconds_again == 1.5
    rat_keypoints = ["top", "body", "tail", "tail-m", "tail-e"]
    assert list(again.tokenizer.keypoints) == rat_keypoints
    for name, value in first.model.state_dict().items():
        assert np.array_equal(value.numpy(), again.model.state_dict()[name].numpy())

    poses, truth = bench.load(shared_data / "labelled" / "ethome_resident_intruder")
    first = max(0, int(np.argmax(truth)) - 200)  # 600 frames around the first bout
    train = [poses.select_frames(slice(first, first + 600))]
    labels = [truth[first : first + 600].astype(np.int64)]
    assert 0 < labels[0].sum() < 600
    test = poses.select_frames(slice(4000, 4400))
    prob, hard = bench.run_rat_transfer(
        train, labels, test, again, seed=0, steps=3, realign=2, min_bout=15
    )
    assert prob.shape == hard.shape == (400,)
    assert np.isfinite(prob).all() and ((prob >= 0) & (prob <= 1)).all()
