"""napari time-slider benchmark on a one-hour recording with every overlay.

Builds a synthetic two-mouse, 12-keypoint recording (default 108,000 frames:
one hour at 30 fps) with a **lazy** synthetic video (each frame is rendered
when napari asks for it, nothing is held in memory), and shows in one viewer:
video, keypoints, skeleton (Vectors), attention layer and motif layer
(``behavert.napari.convert.overlays``). It then times ``viewer.dims.set_current_step``
followed by ``QApplication.processEvents()`` (slicing and drawing) over
consecutive frames, for three set-ups of the same viewer:

* ``full``: every layer holds all its rows (2.6 M points per keypoint layer);
  few steps, as each one costs seconds;
* ``windowed``: keypoints, skeleton, attention and motifs each under an
  :class:`~behavert.napari.frame_window.FrameWindow` (rows of +-300 frames around
  the current one); also the cost of a jump that refills the windows;
* ``video only``: the overlay layers hidden (the floor set by the video and the
  canvas).

During the runs it counts the layers' ``data`` events (a reload of a layer's
rows) and the video frames rendered, to show that stepping the slider slices
the layers without reloading them. It prints a markdown table; ``--write
docs/benchmarks.md`` also replaces the "napari time slider" section of that
file (between the ``bench_napari`` marker comments).

Needs a display: run under ``xvfb-run -a`` on a headless machine. Usage::

    xvfb-run -a python benchmarks/bench_napari.py
    xvfb-run -a python benchmarks/bench_napari.py --quick
    xvfb-run -a python benchmarks/bench_napari.py --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import cpu_model as _cpu_model  # noqa: E402
from _machine import version as _version  # noqa: E402

START = "<!-- bench_napari:start -->"
END = "<!-- bench_napari:end -->"
HALF_WIDTH = 300


class LazySyntheticVideo:
    """``(time, height, width)`` uint8 frames of synthetic mice, drawn on demand.

    Only the poses are held; ``video[t]`` renders frame ``t``
    (``behavert.datasets.synthetic.render_video``). ``n_rendered`` counts them.
    """

    def __init__(self, poses, image_size: int = 256) -> None:
        self._poses = poses
        self.shape = (poses.n_frames, image_size, image_size)
        self.dtype = np.dtype(np.uint8)
        self.ndim = 3
        self.size = int(np.prod(self.shape))
        self.n_rendered = 0

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index):
        from behavert.datasets.synthetic import render_video

        if not isinstance(index, tuple):
            index = (index,)
        frames = np.arange(self.shape[0])[index[0]]
        one = np.ndim(frames) == 0
        frames = np.atleast_1d(frames)
        self.n_rendered += len(frames)
        sub = self._poses.replace(
            position=self._poses.position[frames],
            confidence=self._poses.confidence[frames],
            frame_index=None,
        )
        video = render_video(sub, self.shape[1])
        video = video[0] if one else video
        rest = index[1:]
        return video[(..., *rest)] if rest and not one else video[rest]

    def __array__(self, dtype=None, copy=None):
        raise TypeError("LazySyntheticVideo is not loaded whole (napari slices it)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=108_000)
    parser.add_argument("--steps", type=int, default=200, help="consecutive steps")
    parser.add_argument("--full-steps", type=int, default=8, help="steps, full")
    parser.add_argument("--jumps", type=int, default=10, help="refilling jumps")
    parser.add_argument("--quick", action="store_true", help="9,000 frames, 50 steps")
    parser.add_argument("--write", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.frames, args.steps, args.full_steps, args.jumps = 9_000, 50, 5, 5
    return args


def _step_times(viewer, app, frames) -> np.ndarray:
    times = []
    for frame in frames:
        start = time.perf_counter()
        viewer.dims.set_current_step(0, int(frame))
        app.processEvents()
        times.append(time.perf_counter() - start)
    return np.array(times)


class _DataEvents:
    """Count ``events.data`` emissions of some layers (a reload of rows)."""

    def __init__(self, layers) -> None:
        self.count = 0
        for layer in layers:
            layer.events.data.connect(self._on_data)

    def _on_data(self, event) -> None:
        self.count += 1


def run(args: argparse.Namespace) -> dict:
    """Build the viewer, time the three set-ups; return the measurements."""
    import napari
    from qtpy.QtWidgets import QApplication

    from behavert.datasets.synthetic import generate_synthetic
    from behavert.napari.convert.layers import poses_to_layers
    from behavert.napari.convert.overlays import attention_to_layer, motifs_to_layer
    from behavert.napari.frame_window import FrameWindow

    rec = generate_synthetic(args.frames, seed=0)
    poses = rec.poses
    video = LazySyntheticVideo(poses)
    rng = np.random.default_rng(0)
    attention = np.convolve(rng.random(args.frames), np.ones(30) / 30, "same")
    viewer = napari.Viewer(show=True)
    app = QApplication.instance()
    build = {}
    layers = []
    items = [
        *poses_to_layers(poses, video, name="hour"),
        attention_to_layer(poses, attention, name="attention"),
        motifs_to_layer(poses, rec.labels, rec.behaviours, name="motifs"),
    ]
    for data, kwargs, kind in items:
        start = time.perf_counter()
        layers.append(getattr(viewer, f"add_{kind}")(data, **kwargs))
        app.processEvents()
        build[kwargs["name"]] = (len(data), time.perf_counter() - start)
    overlays = layers[1:]
    middle = args.frames // 2
    viewer.dims.set_current_step(0, middle)
    app.processEvents()
    result = {"frames": args.frames, "build": build, "rows": [], "load": []}
    result["load"].append(os.getloadavg()[0])

    windows = []

    def measure(label, frames, note):
        events = _DataEvents(overlays)
        rendered = video.n_rendered
        refills = sum(w.n_refills for w in windows)
        times = _step_times(viewer, app, frames)
        refills = sum(w.n_refills for w in windows) - refills if windows else "-"
        result["rows"].append(
            (label, len(times), np.median(times), np.percentile(times, 95),
             refills, events.count, video.n_rendered - rendered, note)
        )  # fmt: skip
        return times

    measure("full", np.arange(middle + 1, middle + 1 + args.full_steps), "")
    start = time.perf_counter()
    windows += [FrameWindow(viewer, layer, half_width=HALF_WIDTH) for layer in overlays]
    app.processEvents()
    result["window_setup"] = time.perf_counter() - start
    first = middle - args.steps // 2
    viewer.dims.set_current_step(0, first)
    app.processEvents()
    measure("windowed", np.arange(first + 1, first + 1 + args.steps), "")
    jumps = rng.integers(0, args.frames, size=args.jumps)
    measure("windowed, jumps", jumps, "random frames: each refills the 4 windows")
    for layer in overlays:
        layer.visible = False
    app.processEvents()
    measure("video only", np.arange(first + 1, first + 1 + args.steps), "")
    result["load"].append(os.getloadavg()[0])
    viewer.close()
    return result


def markdown(result: dict, command: str) -> str:
    """The markdown report: table, layer sizes, machine, versions, command."""
    frames = result["frames"]
    lines = [
        f"Synthetic two-mouse, 12-keypoint recording, {frames:,} frames "
        f"({frames / 30 / 60:.1f} min at 30 fps), lazy 256x256 synthetic video "
        "rendered on demand; layers: video, keypoints, skeleton (Vectors), "
        "attention, motifs. Time of `viewer.dims.set_current_step` + "
        "`processEvents()` per step.",
        "",
        "| set-up | steps | median (ms) | p95 (ms) | window refills "
        "| layer data events | video frames rendered | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, n, median, p95, refills, events, rendered, note in result["rows"]:
        lines.append(
            f"| {label} | {n} | {median * 1e3:.0f} | {p95 * 1e3:.0f} | {refills} "
            f"| {events} | {rendered} | {note} |"
        )
    build = ", ".join(
        f"{name} {rows:,} rows ({seconds:.1f} s)"
        for name, (rows, seconds) in result["build"].items()
    )
    versions = ", ".join(
        f"{name} {_version(name)}"
        for name in ("napari-behavert", "napari", "vispy", "numpy", "PyQt6")
    )
    lines += [
        "",
        f"- Layers (rows, time to add): {build}; FrameWindow set-up "
        f"{result['window_setup']:.1f} s (half width {HALF_WIDTH} frames).",
        "- A window refill replaces a layer's rows (Points emit 2 data events "
        "per refill, Vectors 1); steps inside the windows reload nothing, and "
        "the lazy video renders only the frames shown.",
        f"- Machine: {os.cpu_count()} CPUs (nproc), {_cpu_model()}, "
        f"{platform.system()} {platform.release()}, Xvfb with software OpenGL; "
        f"load average {result['load'][0]:.1f} before / {result['load'][1]:.1f} "
        "after (other jobs shared the machine when above 1).",
        f"- Versions: Python {platform.python_version()}, {versions}.",
        f"- Date: {datetime.date.today().isoformat()}.",
        f"- Command: `{command}`",
    ]
    return "\n".join(lines)


def update_section(doc: Path, body: str) -> None:
    """Put ``body`` between the bench_napari markers (add the section if absent)."""
    from _doc import update_section as update

    update(doc, "bench_napari", "## napari time slider", body)


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; print (and optionally write) the markdown report."""
    args = parse_args(argv)
    given = sys.argv[1:] if argv is None else list(argv)
    command = " ".join(["xvfb-run -a python benchmarks/bench_napari.py", *given])
    report = markdown(run(args), command)
    print(report)
    if args.write is not None:
        update_section(args.write, report)
    return report


if __name__ == "__main__":
    main()
