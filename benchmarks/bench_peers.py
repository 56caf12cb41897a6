"""Speed and memory side by side with LISBET, in one run on one machine.

Models: BehaVERT ``small`` and ``base``, a BehaVERT of LISBET's default size
(``lisbet-size``: hidden 32, 4 layers, 4 heads, intermediate 128 - LISBET's
``transformer-base`` backbone: embedding 32, feed-forward 128, 4 heads, 4
layers), and LISBET's default model itself, run from its released PyPI package
in its own venv (``benchmarks/lisbet_speed.py``; ``--lisbet-venv``, created
like ``bench_real.py --lisbet`` does when missing).

Recording: a synthetic two-mouse, 12-keypoint recording (``--frames``, default
108,000 = one hour at 30 fps; ``--quick``: 3,000), written once as a
DeepLabCut CSV. Every measurement runs in a fresh process:

- import: the packages (``python -c "import ..."``, median of 3 processes)
  and the recording (each tool's reader of that CSV: ``behavert.load_poses``;
  LISBET's ``lisbet.io.load_records(data_format="DLC")``);
- pretraining frames/s: frames through the model per second in each tool's
  own self-supervised training loop at its defaults (BehaVERT: ``pretrain``,
  masked pose modelling, window 64, batch 8, median step; ``lisbet-size-w200``
  at LISBET's window 200 and batch 32; LISBET: ``betman
  train_model`` with its four self-supervised tasks, window 200, batch 32, one
  timed epoch);
- inference frames/s: predicted frames of the recording per second of wall
  time (BehaVERT: ``predict_frames``, window 64, stride 32, Hann-stitched;
  ``lisbet-size-w200``: window 200, stride 100;
  LISBET: ``lisbet.inference.common.predict``, one 200-frame window per
  predicted frame);
- peak memory: the largest PSS of the inference process and its worker
  processes during inference (``benchmarks/_memory.py``), model and recording
  included.

Ratios are BehaVERT / LISBET (higher is better for rates, lower for
memory and time). The issue's goal: BehaVERT at LISBET's size predicts >= 10x
LISBET's frames/s. On a GPU (``--device cuda``) the BehaVERT rows also give
model FLOP utilisation against this card's measured matmul peak (the CPU run
gives it against the CPU's).

Run: ``python benchmarks/bench_peers.py [--quick] [--write docs/benchmarks.md]``.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._doc import update_section  # noqa: E402
from benchmarks._machine import cpu_model, version  # noqa: E402
from benchmarks._memory import reset_hwm as _reset_hwm  # noqa: E402
from benchmarks._memory import status_mb as _status_mb  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NAME = "bench_peers"
HEADING = "## Speed and memory against LISBET"
LISBET_VENV = Path(os.environ.get("BEHAVERT_LISBET_VENV", "/tmp/lisbet-venv-cuda"))
LISBET_TASKS = "cons,order,shift,warp"
_LISBET_SIZE = {
    "hidden_size": 32,
    "num_hidden_layers": 4,
    "num_attention_heads": 4,
    "intermediate_size": 128,
}
#: BehaVERT models: (BehavertConfig.from_preset name, overrides, shape).
#: Shape: pretraining window and batch, inference window, stride and batch;
#: BehaVERT's defaults (64, 8; 64, 32, 16) except for ``lisbet-size-w200``,
#: the LISBET-size model at LISBET's window (200) and training batch (32).
DEFAULT_SHAPE = {"window": 64, "batch": 8, "infer_window": 64, "stride": 32}
MODELS = {
    "small": ("small", {}, DEFAULT_SHAPE),
    "base": ("base", {}, DEFAULT_SHAPE),
    "lisbet-size": ("tiny", _LISBET_SIZE, DEFAULT_SHAPE),
    "lisbet-size-w200": (
        "tiny",
        _LISBET_SIZE,
        {"window": 200, "batch": 32, "infer_window": 200, "stride": 100},
    ),
}
SPEED_GOAL = 10.0


# ------------------------------------------------------------------ recording
def write_recording(folder: Path, frames: int, seed: int) -> dict:
    """The synthetic recording as a DLC CSV (both tools read it) + LISBET arrays."""
    from behavert.datasets.synthetic import generate_synthetic
    from behavert.io.save import save_dlc

    rec = generate_synthetic(frames, seed=seed)
    seq = folder / "dlc" / "hour"
    seq.mkdir(parents=True)
    # LISBET's DLC reader only takes CSV files named like DLC output.
    csv = save_dlc(rec.poses, seq / "hourDLC_resnet50_syntheticshuffle1_1000.csv")
    from benchmarks.bench_real import lisbet_scale

    lo, hi = lisbet_scale([rec.poses])  # x, y into [0, 1], as for accuracy
    np.save(folder / "pos.npy", (rec.poses.position[..., :2] - lo) / (hi - lo))
    social = rec.behaviours.index("nose_to_nose")
    np.save(folder / "y.npy", (rec.labels == social).astype(np.int64))
    return {
        "csv": str(csv),
        "frames": frames,
        "keypoints": list(rec.poses.keypoints),
        "individuals": list(rec.poses.individuals),
        "mb": csv.stat().st_size / 2**20,
    }


def import_seconds(python: str, modules: str, repeats: int = 3) -> float:
    """Median wall time of importing ``modules`` in a fresh interpreter."""
    code = (
        "import time; t = time.perf_counter(); "
        f"import {modules}; print(time.perf_counter() - t)"
    )
    times = []
    for _ in range(repeats):
        out = subprocess.run(
            [python, "-c", code], capture_output=True, text=True, check=True
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


# -------------------------------------------------------------- BehaVERT side
def _read(spec: dict):
    from behavert.io.load import load_poses
    from behavert.train.build import fit_tokenizer

    start = time.perf_counter()
    poses = load_poses(spec["csv"])
    read_s = time.perf_counter() - start
    return poses, fit_tokenizer([poses]), read_s


def pretrain_child(spec: dict) -> dict:
    """BehaVERT pretraining speed of one model (runs in its own process)."""
    import torch

    from behavert.model import BehavertForMaskedPoseModeling
    from behavert.train import TrainConfig, pretrain
    from behavert.train.build import model_config
    from benchmarks.bench_model import _train_step_flops, median

    preset, overrides, shape = MODELS[spec["model"]]
    poses, tokenizer, read_s = _read(spec)
    device, window, batch = spec["device"], shape["window"], shape["batch"]
    tc = TrainConfig(
        batch_size=batch,
        max_steps=spec["warmup"] + spec["steps"],
        device=device,
        seed=0,
        log_every=1,
    )
    config = model_config(preset, tokenizer, tc, window=window, **overrides)
    flops, _ = _train_step_flops(
        BehavertForMaskedPoseModeling(config), batch, window, tc.mask_ratio, device
    )
    marks = []
    for _ in pretrain([poses], tokenizer, config, tc):
        marks.append(time.perf_counter())
    w0 = spec["warmup"]
    step = median([b - a for a, b in zip(marks[w0 - 1 :], marks[w0:])])
    return {
        "read_s": read_s,
        "window": window,
        "batch": batch,
        "steps": spec["steps"],
        "frames_per_s": batch * window / step,
        "gflops": flops / step / 1e9,
        "threads": torch.get_num_threads(),
    }


def infer_child(spec: dict) -> dict:
    """BehaVERT inference speed and memory of one model (its own process)."""
    import torch

    from behavert.data.windows import window_starts
    from behavert.inference import predict_frames
    from behavert.model import BehavertConfig, BehavertForFrameClassification
    from benchmarks.bench_model import counted_flops

    preset, overrides, shape = MODELS[spec["model"]]
    poses, tokenizer, _ = _read(spec)
    device, batch = spec["device"], 16
    window, stride = shape["infer_window"], shape["stride"]
    config = BehavertConfig.from_preset(
        preset,
        **overrides,
        feature_size=tokenizer.feature_size,
        frame_labels=["other", "social"],
        window=window,
        stride=stride,
    )
    model = BehavertForFrameClassification(config).eval().to(device)
    x = torch.randn(batch, window, tokenizer.feature_size, device=device)
    with torch.inference_mode():
        window_flops = counted_flops(lambda: model(inputs=x)) / batch
    gc.collect()
    rss = _status_mb("VmRSS")
    reset = _reset_hwm()
    if torch.device(device).type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    from benchmarks._memory import TreePeak

    start = time.perf_counter()
    with TreePeak() as tree:
        pred = predict_frames(model, tokenizer, poses, batch_size=batch, device=device)
    elapsed = time.perf_counter() - start
    n = int(pred.labels.shape[0])
    windows = len(window_starts(n, min(window, n), stride))
    out = {
        "params": sum(p.numel() for p in model.parameters()),
        "frames": n,
        "seconds": elapsed,
        "frames_per_s": n / elapsed,
        "gflops": windows * window_flops / elapsed / 1e9,
        "window": window,
        "stride": stride,
        "batch": batch,
        "rss_before_mb": rss,
        "hwm_mb": _status_mb("VmHWM") if reset else float("nan"),
        "peak_mb": tree.mb,
        "processes": tree.processes,
    }
    if torch.device(device).type == "cuda":
        out["cuda_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
    return out


CHILDREN = {"pretrain": pretrain_child, "infer": infer_child}


def _child(spec: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"BehaVERT {spec['model']} {spec['phase']} failed:\n{proc.stderr[-3000:]}"
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_behavert(spec: dict) -> dict:
    """Pretraining and inference of one model, each in a fresh process."""
    pre = _child({**spec, "phase": "pretrain"})
    inf = _child({**spec, "phase": "infer"})
    return {
        "model": spec["model"],
        "params": inf["params"],
        "read_s": pre["read_s"],
        "threads": pre["threads"],
        "pretrain": pre,
        "inference": inf,
    }


# ---------------------------------------------------------------- LISBET side
def run_lisbet(folder: Path, rec: dict, args) -> dict:
    meta = {
        "keypoints": rec["keypoints"],
        "individuals": rec["individuals"],
        "seed": 0,
        "pretrain_batches": args.lisbet_batches,
        "tasks": LISBET_TASKS,
        "records": 4,
        "device": args.device,
        "dlc_root": str(Path(rec["csv"]).parents[1]),
    }
    (folder / "meta.json").write_text(json.dumps(meta))
    for phase in ("train", "infer"):
        cmd = [
            str(args.lisbet_venv / "bin" / "python"),
            str(REPO / "benchmarks" / "lisbet_speed.py"),
            str(folder),
            phase,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-4:]
            msg = f"lisbet_speed.py {phase} exited {proc.returncode}: "
            raise RuntimeError(msg + " / ".join(tail))
    out = json.loads((folder / "speed_train.json").read_text())
    out["inference"] = json.loads((folder / "speed_infer.json").read_text())
    out["import_s"] = import_seconds(
        str(args.lisbet_venv / "bin" / "python"),
        "lisbet, lisbet.io, lisbet.training, lisbet.inference",
    )
    return out


# --------------------------------------------------------------------- report
def run(args) -> dict:
    import torch

    from benchmarks.bench_model import load_average, matmul_peak, median

    result = {"load_start": load_average(), "device": args.device}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        rec = write_recording(tmp, args.frames, args.seed)
        result["recording"] = rec
        peak = matmul_peak(args.device, "float32", args.peak_n, 10)
        result["behavert_import_s"] = import_seconds(
            sys.executable, "behavert, behavert.inference, behavert.train"
        )
        result["behavert"] = []
        for name in args.models:
            spec = {
                "model": name,
                "csv": rec["csv"],
                "device": args.device,
                "steps": args.steps,
                "warmup": args.warmup,
            }
            print(f"BehaVERT {name} ...", flush=True)
            result["behavert"].append(run_behavert(spec))
        if args.no_lisbet:
            result["lisbet_error"] = "not run (--no-lisbet)"
        else:
            from benchmarks.bench_real import ensure_lisbet

            err = ensure_lisbet(args.lisbet_venv)
            if err:
                result["lisbet_error"] = f"could not be installed: {err}"
            else:
                print("LISBET ...", flush=True)
                try:
                    result["lisbet"] = run_lisbet(tmp, rec, args)
                except RuntimeError as exc:
                    result["lisbet_error"] = f"failed: {exc}"
        peak += matmul_peak(args.device, "float32", args.peak_n, 10)
    result["peak_gflops"] = median(peak)
    result["seconds"] = time.perf_counter() - t0
    result["load_end"] = load_average()
    result["torch"] = torch.__version__
    return result


def _x(a: float, b: float | None) -> str:
    """``a / b`` as a ratio (two significant digits below 1)."""
    if b is None or not np.isfinite(b) or b == 0:
        return "-"
    r = a / b
    return f"{r:.1f}x" if r >= 1 else f"{r:.2g}x"


def markdown(r: dict, args, command: str) -> str:
    rec, lis = r["recording"], r.get("lisbet")
    minutes = rec["frames"] / 30 / 60
    lines = [
        f"Command: `{command}` — {datetime.date.today()}, device `{r['device']}`, "
        f"{os.cpu_count()} CPUs ({cpu_model()}), {r['seconds']:.0f} s in all. "
        f"Recording: synthetic two mice x 12 keypoints, {rec['frames']:,} frames "
        f"({minutes:.1f} min at 30 fps), one DLC CSV of {rec['mb']:.0f} MB read by "
        f"both tools. Load average (1 min) {r['load_start']:.1f} at the start, "
        f"{r['load_end']:.1f} at the end on {os.cpu_count()} CPUs (above "
        f"{os.cpu_count()}, other jobs shared the cores).",
        "",
        "| model | parameters | shape: pretraining window x batch; inference "
        "window / stride | read recording (s) | pretraining frames/s | x LISBET "
        "| inference frames/s | x LISBET | peak memory, inference (MB) | x LISBET "
        "| MFU pretraining / inference |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lis_pre = lis["pretrain"]["frames_per_s"] if lis else None
    lis_fps = lis["inference"]["frames_per_s"] if lis else None
    lis_mb = lis["inference"]["peak_mb"] if lis else None
    peak = r["peak_gflops"]
    for b in r["behavert"]:
        inf, pre = b["inference"], b["pretrain"]
        mfu = f"{pre['gflops'] / peak:.0%} / {inf['gflops'] / peak:.0%}"
        lines.append(
            f"| BehaVERT {b['model']} | {b['params'] / 1e6:.2f}M | "
            f"{pre['window']} x {pre['batch']}; {inf['window']} / {inf['stride']} | "
            f"{b['read_s']:.2f} | {pre['frames_per_s']:,.0f} | "
            f"{_x(pre['frames_per_s'], lis_pre)} | {inf['frames_per_s']:,.0f} | "
            f"{_x(inf['frames_per_s'], lis_fps)} | {inf['peak_mb']:,.0f} | "
            f"{_x(inf['peak_mb'], lis_mb)} | {mfu} |"
        )
    if lis:
        inf, pre = lis["inference"], lis["pretrain"]
        lines.append(
            f"| LISBET transformer-base (0.4.3) | {lis['params'] / 1e6:.2f}M | "
            f"{pre['window']} x {pre['batch']}; {lis['window']} / 1 | "
            f"{lis['read_s']:.2f} | {pre['frames_per_s']:,.0f} | 1.0x | "
            f"{inf['frames_per_s']:,.0f} | 1.0x | {inf['peak_mb']:,.0f} | 1.0x | - |"
        )
    lines += [
        "",
        "| package import (s, median of 3 processes) | BehaVERT | LISBET |",
        "|---|---|---|",
        f"| `import` | {r['behavert_import_s']:.2f} | {lis['import_s']:.2f} |"
        if lis
        else f"| `import` | {r['behavert_import_s']:.2f} | - |",
    ]
    lines.append("")
    same = next((b for b in r["behavert"] if b["model"] == "lisbet-size"), None)
    if lis and same:
        ratio = same["inference"]["frames_per_s"] / lis_fps
        verdict = "met" if ratio >= SPEED_GOAL else "missed"
        lines.append(
            f"- Goal (BehaVERT at LISBET's size >= {SPEED_GOAL:.0f}x LISBET's "
            f"inference frames/s): **{verdict}**, {ratio:.1f}x."
        )
    elif not lis:
        lines.append(f"- LISBET: {r.get('lisbet_error')}.")
    if lis:
        p = lis["pretrain"]
        lines.append(
            f"- LISBET pretraining: `betman train_model --task_ids={p['tasks']}` "
            f"(window {p['window']}, batch {p['batch']}), second epoch of "
            f"{p['batches']} batches timed ({p['steps_per_s']:.2f} optimizer steps/s,"
            f" each step one batch of every task); its records: the recording cut "
            f"into {lis['records']} consecutive parts (its group-consistency task "
            f"needs more than one record). LISBET torch {lis['torch']}, "
            f"{lis['threads']} threads."
        )
    b0 = r["behavert"][0]
    n_proc = max(b["inference"].get("processes", 1) for b in r["behavert"])
    lines += [
        f"- BehaVERT pretraining: `behavert.train.pretrain` (masked pose "
        f"modelling; BehaVERT's defaults window 64, batch 8, except "
        f"`lisbet-size-w200`: LISBET's window and batch), median of "
        f"{b0['pretrain']['steps']} steps after {args.warmup}; inference "
        f"`predict_frames` at stride = window / 2 (every frame in two windows, "
        f"Hann-stitched), batch 16, random weights; torch {r['torch']}, "
        f"{b0['threads']} threads.",
        f"- MFU: model FLOPs (torch FlopCounterMode; inference counts every window "
        f"computed) per second / the median of 20 float32 {args.peak_n}^2 matmuls "
        f"on `{r['device']}` ({peak:.0f} GFLOP/s), 10 before and 10 after.",
        "- Peak memory: the largest PSS of the inference process and all its "
        "worker processes (LISBET's data loader forks workers), sampled every "
        "0.1 s during inference (model, recording and each tool's libraries "
        f"included; processes seen: BehaVERT {n_proc}"
        + (f", LISBET {lis['inference'].get('processes', 1)}" if lis else "")
        + ").",
        f"- Versions: Python {platform.python_version()}, napari-behavert "
        f"{version('napari-behavert')}, transformers {version('transformers')}, "
        f"numpy {version('numpy')}.",
    ]
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3,000 frames, few steps")
    parser.add_argument("--frames", type=int, default=108_000)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--steps", type=int, default=20, help="timed pretraining steps")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--lisbet-batches", type=int, default=50)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--peak-n", type=int, default=2048)
    parser.add_argument("--lisbet-venv", type=Path, default=LISBET_VENV)
    parser.add_argument("--no-lisbet", action="store_true")
    parser.add_argument("--json", type=Path, help="save the raw numbers here")
    parser.add_argument("--write", type=Path, help="update this markdown file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.frames = min(args.frames, 3000)
        args.steps = min(args.steps, 8)
        args.lisbet_batches = min(args.lisbet_batches, 10)
        args.peak_n = min(args.peak_n, 1024)
    return args


def main(argv: list[str] | None = None) -> str:
    args = parse_args(argv)
    if args.child is not None:
        spec = json.loads(args.child)
        out = json.dumps(CHILDREN[spec["phase"]](spec))
        print(out)
        return out
    given = sys.argv[1:] if argv is None else list(argv)
    command = " ".join(["python benchmarks/bench_peers.py", *given])
    result = run(args)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    report = markdown(result, args, command)
    print(report)
    if args.write:
        update_section(args.write, NAME, HEADING, report)
    return report


if __name__ == "__main__":
    main()
