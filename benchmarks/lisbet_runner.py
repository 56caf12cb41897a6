"""Train and apply LISBET's default model; runs INSIDE LISBET's own venv.

Called by ``bench_real.py --lisbet`` as ``<venv>/bin/python lisbet_runner.py DIR``.
DIR holds ``meta.json`` (keypoints, individuals, n_train, seed, epochs),
``train_{i}_pos.npy`` ``(time, individual, keypoint, 2)`` with NaN gaps and
x, y already min-max normalised to [0, 1] over all the data (``--data_scale 1x1``),
``train_{i}_y.npy`` ``(time,)`` 0/1 and ``test_pos.npy``. Writes
``test_prob.npy``: ``(time,)`` probability of ``interact`` per test frame.

Only LISBET's released package does the work: the records are written with
``movement`` + ``lisbet.io.dump_records`` (its NetCDF layout), the model is
trained by its ``betman train_model`` command with default settings (backbone
``transformer-base``, task ``multiclass``), and predictions come from
``lisbet.inference.common.predict`` with a forward function that returns the
softmax (its ``annotate_behavior`` keeps only the argmax). No pickles.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

BEHAVIOURS = ["interact", "other"]


def _record(pos, meta, name, y=None):
    import xarray as xr
    from lisbet.io import Record
    from movement.io import load_poses

    pos = np.nan_to_num(np.asarray(pos, dtype=np.float64), nan=0.0)
    ds = load_poses.from_numpy(
        position_array=pos.transpose(0, 3, 2, 1),  # (time, space, keypoint, ind.)
        confidence_array=np.ones(pos.shape[:3]).transpose(0, 2, 1),
        individual_names=meta["individuals"],
        keypoint_names=meta["keypoints"],
        fps=30,
        source_software="behavert-bench",
    )
    ds.attrs = {k: v for k, v in ds.attrs.items() if v is not None}  # NetCDF-safe
    ann = None
    if y is not None:
        target = np.zeros((len(y), len(BEHAVIOURS), 1), dtype=np.int64)
        target[:, 0, 0] = y == 1
        target[:, 1, 0] = y != 1
        ann = xr.Dataset(
            {"target_cls": (("time", "behaviors", "annotators"), target)},
            coords={
                "time": np.arange(len(y)),
                "behaviors": BEHAVIOURS,
                "annotators": ["human"],
            },
        )
    return Record(id=name, posetracks=ds, annotations=ann)


def main(folder: str) -> None:
    import torch
    from lisbet.inference.common import predict
    from lisbet.io import dump_records

    tmp = Path(folder)
    meta = json.loads((tmp / "meta.json").read_text())
    train = [
        _record(
            np.load(tmp / f"train_{i}_pos.npy"),
            meta,
            f"seg{i:02d}",
            np.load(tmp / f"train_{i}_y.npy"),
        )
        for i in range(meta["n_train"])
    ]
    dump_records(tmp / "train", train)
    dump_records(tmp / "test", [_record(np.load(tmp / "test_pos.npy"), meta, "test")])
    betman = Path(sys.executable).with_name("betman")
    cmd = [
        str(betman),
        "train_model",
        str(tmp / "train"),
        "--data_format=movement",
        f"--epochs={meta['epochs']}",
        f"--seed={meta['seed']}",
        "--data_scale=1x1",  # bench_real.py normalised x and y to [0, 1]
        f"--output_path={tmp / 'out'}",
        "--run_id=bench",
    ]
    subprocess.run(cmd, check=True)
    model_dir = tmp / "out" / "models" / "bench"
    weights = sorted((model_dir / "weights").glob("*.pt"))[-1]

    def softmax_forward(model, data):
        return torch.softmax(model(data, "multiclass"), dim=1)

    results = predict(
        model_path=str(model_dir / "model_config.yml"),
        weights_path=str(weights),
        forward_fn=softmax_forward,
        data_format="movement",
        data_path=str(tmp / "test"),
        data_scale="1x1",
    )
    (_, prob) = results[0]
    prob = np.asarray(prob)
    np.save(tmp / "test_prob.npy", prob[:, BEHAVIOURS.index("interact")])


if __name__ == "__main__":
    main(sys.argv[1])
