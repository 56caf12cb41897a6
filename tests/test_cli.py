"""The ``behavert`` command line end to end on small synthetic files, and its errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from behavert.cli import app
from behavert.datasets.synthetic import generate_synthetic, labels_frame
from behavert.io.save import save_dlc

FAST = ["--preset", "tiny", "--steps", "4", "--batch-size", "4", "--window", "64"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Two synthetic recordings as DLC .h5 with per-frame label CSVs."""
    folder = tmp_path_factory.mktemp("cli")
    poses, labels = [], []
    for i, genotype in enumerate(["wt", "ko"]):
        rec = generate_synthetic(300, genotype=genotype, seed=i)
        path = folder / f"synthetic_{genotype}DLC_test.h5"
        save_dlc(rec.poses, path)
        label_path = folder / f"synthetic_{genotype}_labels.csv"
        labels_frame(rec).to_csv(label_path, index=False)
        poses.append(str(path))
        labels.append(str(label_path))
    groups = folder / "groups.csv"
    groups.write_text(
        "recording,group\n"
        + "".join(f"{p.split('/')[-1]},{g}\n" for p, g in zip(poses, ["wt", "ko"]))
    )
    return {"folder": folder, "poses": poses, "labels": labels, "groups": str(groups)}


def test_info_prints_a_summary(files, capsys):
    assert app(["info", files["poses"][0]]) == 0
    out = capsys.readouterr().out
    assert "300 frames" in out and "resident" in out and "nose" in out


def test_pretrain_defaults_are_the_rat_benchmarks_schedule():
    """Without options, pretrain trains `tiny` for 4,000 steps of 32 windows
    with a 200-step warm-up (the recipe that paid on the rat sessions); train
    keeps its own defaults."""
    from behavert.cli.common import train_config
    from behavert.cli.main import build_parser
    from behavert.train.config import (
        PRETRAIN_RECIPE,
        PRETRAIN_SCHEDULE,
        pretrain_warmup,
    )

    args = build_parser().parse_args(["pretrain", "a.csv", "--out", "o"])
    assert args.preset == "tiny" and args.steps is None
    tc = train_config(
        args, warmup_steps=pretrain_warmup(4000), **PRETRAIN_SCHEDULE,
        **PRETRAIN_RECIPE,
    )  # fmt: skip
    assert (tc.max_steps, tc.batch_size, tc.warmup_steps) == (4000, 32, 200)
    assert pretrain_warmup(4) == 1 and pretrain_warmup(1000) == 50
    parse = build_parser().parse_args
    args = parse(["pretrain", "a.csv", "--out", "o", "--steps", "9"])
    assert train_config(args, **PRETRAIN_SCHEDULE).max_steps == 9  # the user's
    train = parse(["train", "a.csv", "--labels", "l", "--out", "o"])
    assert train.preset == "small"


def test_pretrain_train_predict_embed_evaluate(files, tmp_path, capsys):
    pre = tmp_path / "pre"
    args = ["pretrain", *files["poses"], "--out", str(pre), "--max-gap", "300"]
    assert app([*args, *FAST]) == 0
    assert (pre / "model" / "model.safetensors").is_file()
    tokenizer = json.loads((pre / "model" / "tokenizer.json").read_text())
    assert tokenizer["config"]["max_gap"] == 300
    recipe = json.loads((pre / "model" / "meta.json").read_text())["train_config"]
    assert recipe["augment"] == ["swap", "mirror"] and recipe["hide_animal"] == 0.5

    run = tmp_path / "frames"
    args = ["train", *files["poses"], "--labels", *files["labels"], "--init", str(pre)]
    args += ["--augment", "swap", "mirror", "--label-smoothing", "0.1"]
    assert app([*args, "--out", str(run), "--eval-every", "2", *FAST]) == 0
    assert (run / "model" / "tokenizer.json").is_file()
    recipe = json.loads((run / "model" / "meta.json").read_text())["train_config"]
    assert recipe["augment"] == ["swap", "mirror"] and recipe["label_smoothing"] == 0.1
    # no early stopping unless asked: the last step's weights are kept
    assert recipe["early_stopping_patience"] is None
    capsys.readouterr()
    with pytest.raises(SystemExit):
        app([*args, "--out", str(tmp_path / "other"), "--patience", "0"])
    assert "--patience: must be >= 1" in capsys.readouterr().err
    assert app([*args, "--out", str(tmp_path / "other"), "--max-gap", "9"]) == 2
    assert "--max-gap" in capsys.readouterr().err  # the --init run's tokenizer rules

    out = tmp_path / "pred"
    assert app(["predict", str(run), *files["poses"], "--out", str(out)]) == 0
    table = pd.read_csv(out / "synthetic_wtDLC_test_behaviour.csv")
    assert len(table) == 300 and table["frame"].tolist() == list(range(300))
    probs = table.filter(like="p_").to_numpy()
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-4)
    assert set(table["label"]) <= {c[2:] for c in table.filter(like="p_").columns}

    emb = tmp_path / "emb"
    assert app(["embed", str(run), files["poses"][0], "--out", str(emb)]) == 0
    saved = np.load(emb / "synthetic_wtDLC_test_embedding.npz", allow_pickle=False)
    tokens = saved["tokens"]
    assert tokens.shape[0] == 300 and np.isfinite(tokens).all()
    assert saved["frame"].tolist() == list(range(300))

    metrics_path = tmp_path / "metrics.json"
    args = ["evaluate", str(run), *files["poses"], "--labels", *files["labels"]]
    assert app([*args, "--out", str(metrics_path)]) == 0
    metrics = json.loads(metrics_path.read_text())
    assert 0.0 <= metrics["macro_f1"] <= 1.0 and "f1/nose_to_nose" in metrics


def test_sequence_training_and_prediction(files, tmp_path):
    run = tmp_path / "geno"
    args = ["train", *files["poses"], "--groups", files["groups"], "--out", str(run)]
    assert app([*args, "--val-fraction", "0", *FAST]) == 0
    out = tmp_path / "pred"
    assert app(["predict", str(run), *files["poses"], "--out", str(out)]) == 0
    table = pd.read_csv(out / "sequences.csv")
    assert list(table["recording"]) == ["synthetic_wtDLC_test", "synthetic_koDLC_test"]
    assert set(table["group"]) <= {"wt", "ko"}


def test_errors_name_the_file_and_exit_2(files, tmp_path, capsys):
    bad = tmp_path / "notes.csv"
    bad.write_text("a,b\n1,2\n")
    assert app(["info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "notes.csv" in err and "error" in err

    broken_run = tmp_path / "broken"
    broken_run.mkdir()
    (broken_run / "config.json").write_text("{not json")
    assert app(["predict", str(broken_run), files["poses"][0], "--out", "x"]) == 2
    assert "broken" in capsys.readouterr().err

    short = tmp_path / "short_labels.csv"
    pd.read_csv(files["labels"][0]).iloc[:100].to_csv(short, index=False)
    args = ["train", files["poses"][0], "--labels", str(short), "--out", "y", *FAST]
    assert app(args) == 2
    err = capsys.readouterr().err
    assert "short_labels.csv" in err and "100" in err and "300" in err


def test_model_refuses_poses_with_another_skeleton(
    files, tmp_path, shared_data, capsys
):
    run = tmp_path / "pre"
    assert app(["pretrain", files["poses"][0], "--out", str(run), *FAST]) == 0
    other = (
        shared_data / "dlc" / "openfield_pranav" / "openfield_dlc_inference_example.csv"
    )
    assert app(["embed", str(run), str(other), "--out", str(tmp_path / "e")]) == 2
    err = capsys.readouterr().err
    assert "keypoint" in err.lower()


def test_console_script_runs_without_importing_napari():
    code = (
        "import sys; from behavert.cli import build_parser; build_parser(); "
        "print('napari' in sys.modules, 'qtpy' in sys.modules, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.split() == ["False", "False", "False"]


def test_analyze_writes_tables_and_figures(files, tmp_path):
    run = tmp_path / "pre"
    assert app(["pretrain", *files["poses"], "--out", str(run), *FAST]) == 0
    out = tmp_path / "analysis"
    args = ["analyze", str(run), *files["poses"], "--out", str(out)]
    assert app([*args, "--groups", files["groups"], "--n-motifs", "3"]) == 0
    written = {p.name for p in out.rglob("*") if p.is_file()}
    assert any(name.endswith(".csv") for name in written)
    assert any(name.endswith(".png") for name in written)
    assert any(name.endswith(".svg") for name in written)


def test_transfer_to_another_skeleton(files, tmp_path, shared_data):
    run = tmp_path / "pre"
    assert app(["pretrain", *files["poses"], "--out", str(run), *FAST]) == 0
    target = shared_data / "dlc" / "deepof_tests" / "testDLC_h5_table_madlc.h5"
    out = tmp_path / "moved"
    args = ["transfer", str(run), "--to", str(target), "--out", str(out)]
    assert app([*args, "--realign-steps", "2", *FAST]) == 0
    assert (out / "model" / "model.safetensors").is_file()


def test_demo_runs_every_step_on_tiny_settings(tmp_path, monkeypatch, capsys):
    """``behavert demo`` end to end (tiny sizes), prediction bars included."""
    from behavert.cli import demo

    tiny = demo.DemoSettings(
        n_train=4,
        n_test=2,
        n_frames=600,
        pretrain_steps=2,
        frame_steps=2,
        sequence_steps=2,
        sequence_window=128,
        batch_size=4,
    )
    monkeypatch.setattr(demo.DemoSettings, "quick", classmethod(lambda cls: tiny))
    args = ["demo", "--quick", "--out", str(tmp_path), "--no-screenshot"]
    assert app(args) == 0
    captured = capsys.readouterr()
    summary = captured.out.strip()
    assert "macro-F1" in summary and "screenshot: skipped" in summary
    assert (tmp_path / "summary.md").read_text().strip() == summary
    # a progress bar for every phase, prediction included (tqdm on stderr)
    bars = captured.err
    for phase in ("pretrain", "frames", "sequences", "predict genotype"):
        assert f"{phase}:" in bars, bars
    for i in (4, 5):  # the held-out recordings, counted in windows
        assert f"predict synthetic_{i:02d}_" in bars, bars
    assert "window" in bars and "2/2 [" in bars  # the two genotype recordings
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert list(metrics) == [
        "frames", "genotype", "pretrain_final_loss", "settings", "seconds"
    ]  # fmt: skip
    assert metrics["settings"]["n_test"] == 2
    assert len(list((tmp_path / "data").glob("*DLC_synthetic.h5"))) == 6
    assert (tmp_path / "data" / "groups.csv").is_file()
    tables = sorted((tmp_path / "predictions").glob("*_behaviour.csv"))
    assert len(tables) == 2
    table = pd.read_csv(tables[0])
    assert len(table) == 600 and "predicted" in table
    for run in ("pretrain", "frames", "genotype"):
        assert (tmp_path / run / "model" / "config.json").is_file()


def test_genotype_predicted_recording_by_recording_is_unchanged():
    """The demo counts recordings: one call each gives the batch's numbers."""
    import torch

    from behavert.data.tokenizer import PoseTokenizer
    from behavert.inference import predict_sequences
    from behavert.model import BehavertConfig, BehavertForSequenceClassification

    poses = [generate_synthetic(200, seed=s).poses for s in (3, 4)]
    tokenizer = PoseTokenizer().fit(poses)
    torch.manual_seed(0)
    config = BehavertConfig.from_preset(
        "tiny",
        feature_size=tokenizer.feature_size,
        window=64,
        stride=32,
        sequence_labels=["ko", "wt"],
    )
    model = BehavertForSequenceClassification(config).eval()
    together = predict_sequences(model, tokenizer, poses)
    one_by_one = np.concatenate(
        [predict_sequences(model, tokenizer, [p]) for p in poses]
    )
    assert together.shape == (2, 2)
    np.testing.assert_allclose(one_by_one, together, rtol=1e-5, atol=1e-6)


CENTERED_PAIR = "sleap/centered_pair/centered_pair_predictions.slp"


def test_max_animals_stitches_sleap_tracks(shared_data, capsys):
    """centered_pair: 27 track IDs for 2 flies; --max-animals 2 gives 2 animals."""
    path = str(shared_data / CENTERED_PAIR)
    assert app(["info", path]) == 0
    assert "'27'" in capsys.readouterr().out  # as stored: 27 "animals"
    assert app(["info", path, "--max-animals", "2"]) == 0
    out = capsys.readouterr().out
    assert "individuals=['individual_0', 'individual_1']" in out
    missing = float(out.split("missing points:")[1].split("%")[0])
    assert missing < 10  # 93 % missing as 27 tracks


def test_max_animals_is_on_every_command_that_loads_poses(files, capsys):
    from behavert.cli.main import build_parser

    parser = build_parser()
    for argv in (
        ["info", "P"],
        ["pretrain", "P", "--out", "O"],
        ["train", "P", "--out", "O"],
        ["predict", "R", "P", "--out", "O"],
        ["embed", "R", "P", "--out", "O"],
        ["evaluate", "R", "P", "--labels", "L"],
        ["transfer", "R", "--to", "P", "--out", "O"],
    ):
        assert parser.parse_args([*argv, "--max-animals", "3"]).max_animals == 3
        assert parser.parse_args(argv).max_animals is None
    # a DLC file has no tracks to stitch: one line naming the file, exit 2
    assert app(["info", files["poses"][0], "--max-animals", "2"]) == 2
    err = capsys.readouterr().err
    assert "synthetic_wtDLC_test.h5" in err and "SLEAP" in err
    with pytest.raises(SystemExit):  # argparse: N must be >= 1
        app(["info", files["poses"][0], "--max-animals", "0"])


def test_transfer_reads_a_mapping_file_and_checks_label_counts(
    files, tmp_path, monkeypatch, capsys
):
    from behavert.cli.common import ProgressBar
    from behavert.datasets.synthetic_species import generate_synthetic_rat
    from behavert.io.save import save_poses

    rat = save_poses(generate_synthetic_rat(200, seed=1).poses, tmp_path / "rat.h5")
    run = tmp_path / "rat_run"
    assert app(["pretrain", str(rat), "--out", str(run), *FAST]) == 0
    mapping = tmp_path / "map.csv"
    mapping.write_text("source,target\nHead,neck\nNeck,\n")
    phases = []
    monkeypatch.setattr(ProgressBar, "update", lambda self, e: phases.append(e.phase))
    out = tmp_path / "moved"
    args = ["transfer", str(run), "--to", files["poses"][0], "--out", str(out)]
    args += ["--mapping", str(mapping), "--realign-steps", "1", *FAST]
    assert app(args) == 0
    assert (out / "model" / "tokenizer.json").is_file()
    assert phases == ["realign"] + ["pretrain"] * (len(phases) - 1)
    assert len(phases) > 1
    saved = (out / "keypoint_mapping.csv").read_text()
    assert "Head,neck" in saved and "Neck,\n" in saved

    labels = ["--labels", files["labels"][0], files["labels"][1]]
    args = ["transfer", str(run), "--to", files["poses"][0], "--out", "x", *labels]
    assert app([*args, *FAST]) == 2
    assert "label files" in capsys.readouterr().err


def test_analyze_with_labels_and_a_frame_run(files, tmp_path):
    pre, frames = tmp_path / "pre", tmp_path / "frames"
    assert app(["pretrain", *files["poses"], "--out", str(pre), *FAST]) == 0
    args = ["train", *files["poses"], "--labels", *files["labels"]]
    assert app([*args, "--out", str(frames), "--val-fraction", "0", *FAST]) == 0
    out = tmp_path / "analysis"
    args = ["analyze", str(pre), *files["poses"], "--out", str(out), "--n-motifs", "3"]
    args += ["--groups", files["groups"], "--labels", *files["labels"]]
    assert app([*args, "--frame-run", str(frames), "--no-attribution"]) == 0
    assert (out / "group_comparison.csv").is_file()
    assert (out / "motif_statistics.svg").is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["groups"] == {
        "synthetic_wtDLC_test": "wt",
        "synthetic_koDLC_test": "ko",
    }
    assert summary["info"]["motif_names_from"] == "labels"
    table = pd.read_csv(out / "synthetic_koDLC_test_frames.csv")
    assert len(table) == 300 and "behaviour" in table

    args = ["analyze", str(pre), *files["poses"], "--out", str(tmp_path / "x")]
    assert app([*args, "--labels", files["labels"][0]]) == 2
