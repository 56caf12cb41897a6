"""Time LISBET's own training and inference; runs INSIDE LISBET's venv.

Called by ``bench_peers.py`` as ``<venv>/bin/python lisbet_speed.py DIR train``
and then ``... DIR infer`` (a fresh process, so its memory is inference's).
DIR holds ``meta.json`` (keypoints, individuals, seed, pretrain_batches, tasks,
records, device) and ``pos.npy`` ``(time, individual, keypoint, 2)``, x and y in
[0, 1], plus ``y.npy`` ``(time,)`` class indices for the classifier run.
``dlc_root`` names a folder of one DLC CSV per sequence folder: the time of
LISBET's ``load_records(data_format="DLC")`` on it is reported. Writes
``speed_train.json`` and ``speed_infer.json``.

Everything runs through LISBET's released package, with its defaults
(``transformer-base`` backbone, window 200, batch 32 for training, batch 128
for inference):

- pretraining: ``betman train_model`` (called in-process through
  ``lisbet.cli.main.app``) with the self-supervised tasks in ``meta["tasks"]``,
  two epochs of ``pretrain_batches`` batches each (``--train_sample``); its
  ``lisbet.training.core._train_one_epoch`` is wrapped only to read the clock,
  and the second epoch is the one reported (data-loader workers are
  persistent, so it holds no start-up). Frames/s counts every frame of every
  window that went through the model (batches x tasks x batch x window).
- inference: a ``multiclass`` model (one short training epoch, only to get a
  model with LISBET's frame-classification head) predicts every frame of the
  recording with ``lisbet.inference.common.predict`` (one window per frame, as
  ``betman annotate_behavior`` does) and a softmax forward. Its peak memory is
  the largest PSS of the process and its data-loader workers during
  ``predict`` (``_memory.TreePeak``; VmHWM of the process alone is kept too).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _memory import reset_hwm as _reset_hwm  # noqa: E402
from _memory import status_mb as _status_mb  # noqa: E402
from lisbet_runner import BEHAVIOURS, _record  # noqa: E402


def _betman(args: list[str]) -> None:
    from lisbet.cli.main import app

    argv, sys.argv = sys.argv, ["betman", *args]
    try:
        app()
    finally:
        sys.argv = argv


def _timed_epochs():
    """Wrap LISBET's epoch function; returns the list the times go into."""
    import lisbet.training.core as core

    times: list[tuple[float, int]] = []
    original = core._train_one_epoch

    def timed(model, dataloaders, n_batches, *rest, **kw):
        start = time.perf_counter()
        original(model, dataloaders, n_batches, *rest, **kw)
        times.append((time.perf_counter() - start, int(n_batches)))

    core._train_one_epoch = timed
    return times


def train(folder: str) -> None:
    """Read the recording, pretrain and train a classifier; time them."""
    import torch
    from lisbet.config.presets import BACKBONE_PRESETS
    from lisbet.inference.common import load_model_and_config
    from lisbet.io import dump_records, load_records

    tmp = Path(folder)
    meta = json.loads((tmp / "meta.json").read_text())
    read_s = float("nan")
    if meta.get("dlc_root"):  # LISBET's reader of the same DLC CSV
        start = time.perf_counter()
        load_records(data_format="DLC", data_path=meta["dlc_root"])
        read_s = time.perf_counter() - start
    pos, y = np.load(tmp / "pos.npy"), np.load(tmp / "y.npy")
    n = len(pos)
    # LISBET's group-consistency task draws its negatives from another record
    # (with one record it loops forever), so the hour is handed over as
    # ``meta["records"]`` consecutive records; inference covers all of them.
    parts = np.array_split(np.arange(n), meta.get("records", 4))
    dump_records(
        tmp / "rec",
        [_record(pos[i], meta, f"part{k}", y[i]) for k, i in enumerate(parts)],
    )
    window, batch = 200, 32  # LISBET's defaults (cli/common.py, train.py)
    sample = min(1.0, meta["pretrain_batches"] * batch / n)
    common = [
        "--data_format=movement",
        "--data_scale=1x1",
        f"--seed={meta['seed']}",
        f"--train_sample={sample}",
        f"--output_path={tmp / 'out'}",
    ]
    times = _timed_epochs()
    tasks = meta["tasks"]
    _betman(
        [
            "train_model",
            str(tmp / "rec"),
            *common,
            f"--task_ids={tasks}",
            "--epochs=2",
            "--run_id=pretrain",
        ]
    )
    seconds, n_batches = times[-1]
    n_tasks = len(tasks.split(","))
    pretrain = {
        "tasks": tasks,
        "window": window,
        "batch": batch,
        "batches": n_batches,
        "seconds": seconds,
        "frames_per_s": n_batches * n_tasks * batch * window / seconds,
        "steps_per_s": n_batches / seconds,
    }
    _betman(
        [
            "train_model",
            str(tmp / "rec"),
            *common,
            "--task_ids=multiclass",
            "--epochs=1",
            "--run_id=classifier",
        ]
    )
    model_dir = tmp / "out" / "models" / "classifier"
    weights = sorted((model_dir / "weights").glob("*.pt"))[-1]

    model, _ = load_model_and_config(
        str(model_dir / "model_config.yml"), str(weights), torch.device("cpu")
    )
    out = {
        "backbone": BACKBONE_PRESETS["transformer-base"],
        "window": window,
        "params": sum(p.numel() for p in model.parameters()),
        "read_s": read_s,
        "pretrain": pretrain,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "device": meta.get("device") or "auto",
        "records": len(parts),
        "frames": n,
        "model_dir": str(model_dir),
        "weights": str(weights),
    }
    (tmp / "speed_train.json").write_text(json.dumps(out))


def infer(folder: str) -> None:
    """Predict every frame with the trained classifier (a fresh process)."""
    import gc

    import torch
    from lisbet.inference.common import predict

    tmp = Path(folder)
    meta = json.loads((tmp / "meta.json").read_text())
    trained = json.loads((tmp / "speed_train.json").read_text())

    def softmax_forward(model, data):
        return torch.softmax(model(data, "multiclass"), dim=1)

    gc.collect()
    rss = _status_mb("VmRSS")
    reset = _reset_hwm()
    from _memory import TreePeak

    start = time.perf_counter()
    with TreePeak() as tree:
        results = predict(
            model_path=str(Path(trained["model_dir"]) / "model_config.yml"),
            weights_path=trained["weights"],
            forward_fn=softmax_forward,
            data_format="movement",
            data_path=str(tmp / "rec"),
            data_scale="1x1",
            device=meta.get("device"),
        )
    elapsed = time.perf_counter() - start
    prob = np.concatenate([np.asarray(p) for _, p in results])
    n = trained["frames"]
    assert prob.shape == (n, len(BEHAVIOURS)), prob.shape
    out = {
        "frames": n,
        "seconds": elapsed,
        "frames_per_s": n / elapsed,
        "batch": 128,
        "rss_before_mb": rss,
        "hwm_mb": _status_mb("VmHWM") if reset else float("nan"),
        "peak_mb": tree.mb,
        "processes": tree.processes,
    }
    (tmp / "speed_infer.json").write_text(json.dumps(out))


if __name__ == "__main__":
    {"train": train, "infer": infer}[sys.argv[2]](sys.argv[1])
