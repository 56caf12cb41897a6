"""Model benchmark: matmul peak, pretraining / inference throughput, MFU, memory.

Everything runs in ONE process on the same machine (the memory measurement in
a child process of it), so the utilisation figures compare like with like:

1. **Matmul peak**: best-of-N ``torch.matmul`` of two square fp32 matrices
   (``--matmul-size``, default 2048) at torch's current thread count, measured
   before and after the model runs; the larger of the two is the peak (the
   conservative choice). On CUDA also bf16.
2. **Pretraining** (``behavert.train.pretraining.pretrain``, the real loop:
   batch building, masking, forward, backward, clipping, AdamW) for each preset:
   frames/s over ``--steps`` steps after ``--warmup`` steps, and model FLOP
   utilisation (MFU) = model FLOPs per second / matmul peak. Model FLOPs per
   step are counted by ``torch.utils.flop_counter.FlopCounterMode`` on one
   forward + backward, cross-checked with the analytic formula of
   :func:`analytic_flops`.
3. **Inference** (``behavert.inference.predict_frames`` on a synthetic
   recording, random weights): for each preset and each stride, useful frames/s
   (recording frames / wall time, tokenization and stitching included), the
   GFLOP/s and MFU of the matmuls actually executed (overlapping windows compute
   frames more than once) and the MFU of the useful work.
4. **Peak memory of predict** on a one-hour two-mouse recording (108,000
   frames) with ``--memory-preset`` (``base``), in a child process: VmHWM from
   ``/proc/self/status`` after resetting the high-water mark (``clear_refs``)
   once the recording, tokenizer and model are in memory, and the whole child's
   VmHWM.

Usage::

    python benchmarks/bench_model.py                        # full run (CPU)
    python benchmarks/bench_model.py --quick                # smoke size
    python benchmarks/bench_model.py --device cuda
    python benchmarks/bench_model.py --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import cpu_model as _cpu_model  # noqa: E402
from _machine import version as _version  # noqa: E402
from _memory import reset_hwm as _reset_hwm  # noqa: E402
from _memory import status_mb as _status_mb  # noqa: E402

START = "<!-- bench_model:start -->"
END = "<!-- bench_model:end -->"
HEADING = "## Model speed and memory"
MFU_GOAL = 0.60
MEMORY_GOAL_MB = 2048.0


# ----------------------------------------------------------------- arguments
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line (``--quick`` shrinks every size)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smoke run (tiny sizes)")
    p.add_argument("--device", default="cpu", help="torch device (cpu, cuda, ...)")
    p.add_argument("--presets", nargs="+", default=None, help="default: small base")
    p.add_argument("--matmul-size", type=int, default=None, help="default 2048")
    p.add_argument("--matmul-repeats", type=int, default=None, help="default 10")
    p.add_argument("--steps", type=int, default=None, help="timed pretrain steps")
    p.add_argument("--warmup", type=int, default=None, help="untimed first steps")
    p.add_argument("--window", type=int, default=64, help="window (train + infer)")
    p.add_argument("--train-batch", type=int, default=8, help="TrainConfig default")
    p.add_argument("--infer-batch", type=int, default=16, help="predict default")
    p.add_argument(
        "--strides", type=int, nargs="+", default=None, help="default window/2, 3w/4"
    )
    p.add_argument("--infer-frames", type=int, default=None, help="default 4,096")
    p.add_argument("--memory-frames", type=int, default=None, help="default 108,000")
    p.add_argument("--memory-preset", default=None, help="default base")
    p.add_argument("--memory-stride", type=int, default=None, help="default 3w/4")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--write", type=Path, default=None, help="update this markdown")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    quick = a.quick
    defaults = {
        "presets": ["tiny"] if quick else ["small", "base"],
        "matmul_size": 256 if quick else 2048,
        "matmul_repeats": 3 if quick else 10,
        "steps": 2 if quick else 20,
        "warmup": 1 if quick else 3,
        "infer_frames": 300 if quick else 4096,
        "memory_frames": 600 if quick else 108_000,
        "memory_preset": "tiny" if quick else "base",
    }
    for key, value in defaults.items():
        if getattr(a, key) is None:
            setattr(a, key, value)
    if a.strides is None:
        a.strides = [a.window // 2, 3 * a.window // 4]
    if a.memory_stride is None:
        a.memory_stride = 3 * a.window // 4
    if a.steps < 1 or a.warmup < 1 or min(a.strides) < 1 or a.window < 2:
        p.error("--steps, --warmup, --strides must be >= 1 and --window >= 2")
    return a


# ------------------------------------------------------------------- helpers
def load_average() -> float:
    """1-minute load average (NaN where the system has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return float("nan")


def _sync(device) -> None:
    import torch

    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def matmul_peak(device: str, dtype: str, n: int, repeats: int) -> list[float]:
    """GFLOP/s of ``repeats`` runs of an ``n x n`` by ``n x n`` ``torch.matmul``."""
    import torch

    dt = getattr(torch, dtype)
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(n, n, generator=gen).to(device=device, dtype=dt)
    b = torch.randn(n, n, generator=gen).to(device=device, dtype=dt)
    torch.matmul(a, b)
    _sync(device)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        torch.matmul(a, b)
        _sync(device)
        rates.append(2.0 * n**3 / (time.perf_counter() - start) / 1e9)
    return rates


def median(values) -> float:
    """Median of a non-empty sequence of numbers."""
    import statistics

    return float(statistics.median(values))


def analytic_flops(config, window: int, head: int, train: bool) -> float:
    """Model FLOPs of one window (multiply-add = 2 FLOPs).

    Per layer and token (``s = window + 1`` tokens with [CLS], hidden ``h``,
    intermediate ``i``): ``8h^2 + 4hi`` (= ``24h^2`` for ``i = 4h``) for the
    projections and the MLP, plus ``4sh`` for ``QK^T`` and ``AV``. Plus
    ``2fh`` per frame for the input projection (``f`` features) and the head
    (``2h^2 + 2hf`` per frame for masked pose modelling, ``2hc`` for ``c``
    frame classes, given as ``head``). Training counts forward + backward as
    3 x forward.
    """
    h, i = config.hidden_size, config.intermediate_size
    s, f = window + 1, config.feature_size
    layer = s * (8 * h * h + 4 * h * i) + 4 * s * s * h
    total = config.num_hidden_layers * layer + window * (2 * f * h + head)
    return float(3 * total if train else total)


def counted_flops(func) -> float:
    """FLOPs of ``func()`` as counted by ``FlopCounterMode``.

    Attention runs on PyTorch's math backend here: FlopCounterMode has no
    formula for the fused CPU attention kernel (``_scaled_dot_product_flash_
    attention_for_cpu``), which models without attention dropout use, and would
    count its matmuls as 0. The math backend computes the same products.
    """
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        func()
    return float(counter.get_total_flops())


#: torch.profiler op name -> category of the inference time breakdown.
CATEGORIES = (
    ("matmul", ("aten::addmm", "aten::mm", "aten::bmm")),
    ("copy (addmm bias, casts)", ("aten::copy_",)),
    ("attention (SDPA)", ("scaled_dot_product",)),
    ("GELU", ("aten::gelu",)),
    ("LayerNorm", ("layer_norm",)),
    ("residual add", ("aten::add",)),
)


def time_breakdown(model, x) -> dict[str, float]:
    """Share of self CPU time per op category over two forwards of ``x``."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    with torch.inference_mode():
        model(inputs=x)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(2):
                model(inputs=x)
    shares = dict.fromkeys([name for name, _ in CATEGORIES] + ["other"], 0.0)
    total = 0.0
    for event in prof.key_averages():
        total += event.self_cpu_time_total
        name = next(
            (c for c, keys in CATEGORIES if any(k in event.key for k in keys)),
            "other",
        )
        shares[name] += event.self_cpu_time_total
    return {k: v / total for k, v in shares.items()} if total else shares


def _synthetic(frames: int, seed: int):
    from behavert.data.tokenizer import PoseTokenizer, TokenizerConfig
    from behavert.datasets.synthetic import generate_synthetic

    rec = generate_synthetic(frames, seed=seed)
    tokenizer = PoseTokenizer(TokenizerConfig()).fit([rec.poses])
    return rec, tokenizer


def _frame_model(preset: str, tokenizer, names, window: int, stride: int):
    from behavert.model import BehavertConfig, BehavertForFrameClassification

    config = BehavertConfig.from_preset(
        preset,
        feature_size=tokenizer.feature_size,
        frame_labels=list(names),
        window=window,
        stride=stride,
        max_position_embeddings=max(513, window + 1),
    )
    return BehavertForFrameClassification(config).eval()


def _train_step_flops(model, batch: int, window: int, ratio: float, device):
    """(counted, formula) FLOPs of one forward + backward of a masked batch."""
    import torch

    model.train().to(device)
    f, h = model.config.feature_size, model.config.hidden_size
    x = torch.randn(batch, window, f, device=device)
    frame_mask = torch.rand(batch, window, device=device) < ratio
    frame_mask[:, 0] = True
    flops = counted_flops(
        lambda: model(inputs=x, frame_mask=frame_mask).loss.backward()
    )
    head = 2 * h * h + 2 * h * f
    return flops, batch * analytic_flops(model.config, window, head, train=True)


# --------------------------------------------------------------- pretraining
def bench_pretrain(preset: str, rec, tokenizer, args) -> dict:
    """Frames/s and FLOPs of ``pretrain`` (``args.steps`` timed steps)."""
    from behavert.model import BehavertForMaskedPoseModeling
    from behavert.train import TrainConfig
    from behavert.train.build import model_config
    from behavert.train.pretraining import pretrain

    tc = TrainConfig(
        batch_size=args.train_batch,
        max_steps=args.warmup + args.steps,
        device=args.device,
        seed=args.seed,
        log_every=1,
    )
    b, w = args.train_batch, args.window
    flops, formula = _train_step_flops(
        BehavertForMaskedPoseModeling(
            model_config(preset, tokenizer, tc, window=args.window)
        ),
        b,
        w,
        tc.mask_ratio,
        args.device,
    )
    gc.collect()
    load = load_average()
    times = []
    gen = pretrain([rec.poses], tokenizer, preset, tc, window=args.window)
    while True:
        try:
            next(gen)
        except StopIteration:
            break
        times.append(time.perf_counter())
    elapsed = times[-1] - times[args.warmup - 1]
    step = median(
        [t1 - t0 for t0, t1 in zip(times[args.warmup - 1 :], times[args.warmup :])]
    )
    return {
        "preset": preset,
        "frames_per_s": b * w / step,
        "wall_frames_per_s": args.steps * b * w / elapsed,
        "gflops": flops / step / 1e9,
        "flops_per_frame": flops / (b * w),
        "formula_per_frame": formula / (b * w),
        "setting": f"window {w}, batch {b}, {args.steps} steps after {args.warmup}",
        "load": load,
    }


# ----------------------------------------------------------------- inference
def bench_inference(preset: str, rec, tokenizer, args) -> list[dict]:
    """``predict_frames`` on ``rec`` at every stride of ``args.strides``."""
    import numpy as np
    import torch

    from behavert.data.windows import window_starts
    from behavert.inference import predict_frames

    w, b = args.window, args.infer_batch
    model = _frame_model(preset, tokenizer, rec.behaviours, w, args.strides[0])
    model.to(args.device)
    x = torch.randn(b, w, tokenizer.feature_size, device=args.device)
    with torch.inference_mode():
        per_window = counted_flops(lambda: model(inputs=x)) / b
    formula = analytic_flops(
        model.config, w, 2 * model.config.hidden_size * len(rec.behaviours), train=False
    )
    breakdown = (
        time_breakdown(model, x) if torch.device(args.device).type == "cpu" else {}
    )
    n = rec.poses.position.shape[0]
    predict_frames(model, tokenizer, rec.poses, window=w, stride=w, batch_size=b)
    rows, first = [], None
    for stride in args.strides:
        load = load_average()
        marks = []  # (time, windows done) after every batch
        start = time.perf_counter()
        pred = predict_frames(
            model,
            tokenizer,
            rec.poses,
            window=w,
            stride=stride,
            batch_size=b,
            progress=lambda done, total, marks=marks: marks.append(
                (time.perf_counter(), done)
            ),
        )
        elapsed = time.perf_counter() - start
        windows = len(window_starts(n, min(w, n), stride))
        # Median time per window over batches (the first one also tokenizes).
        per = [(t1 - t0) / (d1 - d0) for (t0, d0), (t1, d1) in zip(marks, marks[1:])]
        window_s = median(per) if per else elapsed / windows
        row = {
            "preset": preset,
            "window": w,
            "stride": stride,
            "batch": b,
            "frames": n,
            "coverage": windows * w / n,
            "frames_per_s": n / elapsed,
            "gflops": per_window / window_s / 1e9,
            "wall_gflops": windows * per_window / elapsed / 1e9,
            "flops_per_frame": per_window / w,
            "formula_per_frame": formula / w,
            "load": load,
            "breakdown": breakdown,
        }
        if first is None:
            first = pred
        else:
            row["agree"] = float(np.mean(pred.labels == first.labels))
            row["max_dp"] = float(
                np.max(np.abs(pred.probabilities - first.probabilities))
            )
        rows.append(row)
    return rows


# -------------------------------------------------------------------- memory
def memory_child(spec: dict) -> dict:
    """Run ``predict_frames`` on a long recording; report memory (child side)."""
    import torch

    from behavert.inference import predict_frames

    rec, tokenizer = _synthetic(spec["frames"], spec["seed"])
    model = _frame_model(
        spec["preset"], tokenizer, rec.behaviours, spec["window"], spec["stride"]
    ).to(spec["device"])
    gc.collect()
    setup_hwm, rss = _status_mb("VmHWM"), _status_mb("VmRSS")
    reset = _reset_hwm()  # the high-water mark back to the current RSS
    start = time.perf_counter()
    pred = predict_frames(
        model,
        tokenizer,
        rec.poses,
        window=spec["window"],
        stride=spec["stride"],
        batch_size=spec["batch"],
    )
    elapsed = time.perf_counter() - start
    out = {
        "frames": int(pred.labels.shape[0]),
        "seconds": elapsed,
        "rss_before_mb": rss,
        "predict_hwm_mb": _status_mb("VmHWM") if reset else float("nan"),
        "setup_hwm_mb": setup_hwm,
        "reset": reset,
        "threads": torch.get_num_threads(),
    }
    if torch.device(spec["device"]).type == "cuda":
        out["cuda_max_mb"] = torch.cuda.max_memory_allocated() / 2**20
    return out


def bench_memory(args) -> dict:
    """Run :func:`memory_child` in a fresh interpreter and return its report."""
    spec = {
        "frames": args.memory_frames,
        "seed": args.seed,
        "preset": args.memory_preset,
        "window": args.window,
        "stride": args.memory_stride,
        "batch": args.infer_batch,
        "device": args.device,
    }
    load = load_average()
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"memory child failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result.update(spec, load=load)
    return result


# -------------------------------------------------------------------- report


def run(args) -> dict:
    """Every measurement, in order; returns the raw numbers."""
    import torch

    started = time.perf_counter()
    load_start = load_average()
    rec, tokenizer = _synthetic(max(args.infer_frames, 2 * args.window), args.seed)
    n, repeats = args.matmul_size, args.matmul_repeats
    peaks = {"float32": [matmul_peak(args.device, "float32", n, repeats)]}
    if torch.device(args.device).type == "cuda":
        peaks["bfloat16"] = [matmul_peak(args.device, "bfloat16", n, repeats)]
    pretraining = [bench_pretrain(p, rec, tokenizer, args) for p in args.presets]
    inference = [
        row for p in args.presets for row in bench_inference(p, rec, tokenizer, args)
    ]
    for dtype in peaks:
        peaks[dtype].append(matmul_peak(args.device, dtype, n, repeats))
    memory = bench_memory(args)
    return {
        "peaks": peaks,
        "pretraining": pretraining,
        "inference": inference,
        "memory": memory,
        "threads": torch.get_num_threads(),
        "load": (load_start, load_average()),
        "seconds": time.perf_counter() - started,
    }


def _rate(value: float) -> str:
    """GFLOP/s with one decimal, or three significant digits below 10."""
    return f"{value:.1f}" if value >= 10 else f"{value:.3g}"


def _pct(value: float) -> str:
    digits = 0 if value >= 0.1 else 1 if value >= 0.01 else 3
    return f"{100 * value:.{digits}f}%"


def markdown(result: dict, args, command: str) -> str:
    """The markdown report: tables, goals, method, machine, versions, command."""
    import torch

    peaks = {k: median(v[0] + v[1]) for k, v in result["peaks"].items()}
    cuda = "bfloat16" in peaks
    train_peak = peaks["bfloat16" if cuda else "float32"]
    n = args.matmul_size
    lines = [
        f"Command: `{command}` — {datetime.date.today().isoformat()}, device "
        f"`{args.device}`, {result['threads']} torch threads, "
        f"{result['seconds']:.0f} s in all. Load average (1 min) "
        f"{result['load'][0]:.1f} at the start, {result['load'][1]:.1f} at the end "
        f"on {os.cpu_count()} CPUs: above {os.cpu_count()} other jobs were "
        "sharing the cores and every number below is lower than on an idle "
        "machine.",
        "",
        "| matmul peak | size | GFLOP/s median (best) before "
        "| after | peak used: median of all |",
        "|---|---|---|---|---|",
    ]
    for dtype, (before, after) in result["peaks"].items():
        lines.append(
            f"| {dtype} | {n} x {n}, {args.matmul_repeats} runs "
            f"| {_rate(median(before))} ({_rate(max(before))}) "
            f"| {_rate(median(after))} ({_rate(max(after))}) "
            f"| {_rate(peaks[dtype])} |"
        )
    lines += [
        "",
        "| pretraining | setting | frames/s median step (wall) | model GFLOP/s "
        "| MFU | FLOPs/frame counted / formula | load |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in result["pretraining"]:
        lines.append(
            f"| {r['preset']} | {r['setting']} | {r['frames_per_s']:,.0f} "
            f"({r['wall_frames_per_s']:,.0f}) "
            f"| {_rate(r['gflops'])} | {_pct(r['gflops'] / train_peak)} "
            f"| {r['flops_per_frame'] / 1e6:.1f}M / "
            f"{r['formula_per_frame'] / 1e6:.1f}M | {r['load']:.1f} |"
        )
    fp32 = peaks["float32"]
    lines += [
        "",
        "| inference | window / stride (frames computed per frame) "
        "| useful frames/s (wall) | executed GFLOP/s median batch (wall) "
        "| MFU executed | MFU useful | goal >= 60% "
        "| same label as first stride | load |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["inference"]:
        executed = r["gflops"] / fp32
        useful = executed / r["coverage"]
        goal = "met" if executed >= MFU_GOAL else "missed"
        agree = (
            f"{_pct(r['agree'])} (max abs dp {r['max_dp']:.3f})"
            if "agree" in r
            else "reference"
        )
        lines.append(
            f"| {r['preset']} | {r['window']} / {r['stride']} "
            f"(x{r['coverage']:.2f}) | {r['frames_per_s']:,.0f} "
            f"| {_rate(r['gflops'])} ({_rate(r['wall_gflops'])}) | {_pct(executed)} "
            f"| {_pct(useful)} | {goal} "
            f"| {agree} | {r['load']:.1f} |"
        )
    profiled = [r for r in result["inference"][:: len(args.strides)] if r["breakdown"]]
    if profiled:
        names = list(profiled[0]["breakdown"])
        lines += [
            "",
            "| inference CPU time by op (torch.profiler, one batch) | "
            + " | ".join(names)
            + " |",
            "|---" * (len(names) + 1) + "|",
        ]
        for r in profiled:
            cells = " | ".join(_pct(r["breakdown"][k]) for k in names)
            lines.append(
                f"| {r['preset']}, batch {r['batch']} x {r['window']} | {cells} |"
            )
    m = result["memory"]
    whole_mb = max(m["setup_hwm_mb"], m["predict_hwm_mb"] if m["reset"] else 0.0)
    peak_mb = m["predict_hwm_mb"] if m["reset"] else whole_mb
    verdict = "met" if peak_mb < MEMORY_GOAL_MB else "missed"
    cuda_mem = (
        f" GPU max allocated {m['cuda_max_mb']:,.0f} MB." if "cuda_max_mb" in m else ""
    )
    lines += [
        "",
        "| predict memory | setting | peak RSS during predict | whole child VmHWM "
        "| goal < 2 GB | frames/s | load |",
        "|---|---|---|---|---|---|---|",
        f"| {m['preset']} | {m['frames']:,} frames ({m['frames'] / 30 / 60:.1f} min "
        f"at 30 fps), window {m['window']} / stride {m['stride']}, batch "
        f"{m['batch']} | {peak_mb:,.0f} MB (RSS before {m['rss_before_mb']:,.0f} MB)"
        f" | {whole_mb:,.0f} MB | {verdict} "
        f"| {m['frames'] / m['seconds']:,.0f} | {m['load']:.1f} |",
        "",
        "How it is measured:",
        "",
        f"- Matmul peak: `torch.matmul` of two random {n} x {n} matrices, "
        f"{args.matmul_repeats} runs before and {args.matmul_repeats} after the "
        "model runs; every MFU divides by the median of all of them. Model rates "
        "are medians too (of step times, of per-window batch times), so a burst of "
        "another job's work moves numerator and denominator alike; wall-clock "
        "rates are given beside them."
        + (
            " Pretraining on CUDA runs bf16 autocast, so its MFU uses the bf16 peak;"
            " inference runs fp32."
            if cuda
            else ""
        ),
        "- Pretraining: `behavert.train.pretraining.pretrain` (the real loop: "
        "window sampling, masking, forward, backward, clipping, AdamW) on a "
        f"synthetic {result['inference'][0]['frames']:,}-frame two-mouse recording; "
        "median time of a step after the warm-up steps (wall: all timed steps). "
        "Model FLOPs per step come from `torch.utils.flop_counter.FlopCounterMode` "
        "over one forward + backward of the same batch shape; MFU = model FLOPs "
        "per second / matmul peak (optimizer and data work count as time, not "
        "FLOPs).",
        "- Formula (cross-check, multiply-add = 2 FLOPs): per layer and token "
        "`8h^2 + 4hi` (= `24h^2` with intermediate `i = 4h`) plus `4sh` for "
        "attention scores and values (`s` = window + 1 tokens, [CLS] included); "
        "plus `2fh` per frame for the input projection (`f` features) and the "
        "head (`2h^2 + 2hf` masked pose modelling, `2hc` frame classes); "
        "training = 3 x forward. The counter is a little below 3 x forward in "
        "training because the input projection needs no input gradient.",
        "- Inference: `behavert.inference.predict_frames` (tokenization, windows, "
        "forward, stitching) on the same recording with random weights. "
        "*Useful frames/s* = recording frames / wall time of the call. *MFU "
        "executed* = FLOPs of a window / median time per window over the batches "
        "(`progress` callback; the first batch, which also tokenizes, is left "
        "out) / peak; it counts every window's FLOPs, and overlapping windows "
        "compute a frame `window / stride` times; *MFU useful* counts each frame "
        "once (MFU executed / frames computed per frame). The agreement "
        "column compares labels with the first stride's (random weights, so it "
        "only shows stitching differences, not accuracy).",
        "- Memory: a child process (`--child`) generates the recording, fits the "
        "tokenizer and builds the model, then resets its RSS high-water mark "
        "(`/proc/self/clear_refs`) and runs `predict_frames`; *peak RSS during "
        "predict* is its VmHWM afterwards (model, recording and features "
        "included). The whole child VmHWM also includes the synthetic "
        "generation and tokenizer fitting." + cuda_mem,
        f"- Machine: {os.cpu_count()} CPUs, {_cpu_model()}, {platform.system()} "
        f"{platform.release()}"
        + (f", {torch.cuda.get_device_name()}" if cuda else "")
        + ".",
        f"- Versions: Python {platform.python_version()}, torch {torch.__version__}, "
        f"transformers {_version('transformers')}, napari-behavert "
        f"{_version('napari-behavert')}, numpy {_version('numpy')}.",
    ]
    return "\n".join(lines)


def update_section(doc: Path, body: str) -> None:
    """Put ``body`` between the bench_model markers of ``doc`` (add if absent)."""
    from _doc import update_section as update

    update(doc, "bench_model", HEADING, body)


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; print (and optionally write) the markdown report."""
    args = parse_args(argv)
    if args.child is not None:
        report = json.dumps(memory_child(json.loads(args.child)))
        print(report)
        return report
    given = sys.argv[1:] if argv is None else list(argv)
    command = " ".join(["python benchmarks/bench_model.py", *given])
    report = markdown(run(args), args, command)
    print(report)
    if args.write is not None:
        update_section(args.write, report)
    return report


if __name__ == "__main__":
    main()
