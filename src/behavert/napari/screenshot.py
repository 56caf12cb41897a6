"""Write a screenshot of poses drawn over their video in napari.

Run as ``python -m behavert.napari.screenshot --out shot.png [POSES]``; without
POSES it shows the synthetic sample. Used by ``behavert demo`` in a child
process, so the command line itself never imports napari. Needs an X display
(use ``xvfb-run`` on a headless machine).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def write_screenshot(
    out: str | Path, poses_path: str | None = None, frame: int | None = None
) -> Path:
    """Open poses (or the synthetic sample) in a viewer and save a canvas PNG."""
    import napari

    from ._reader import read_poses
    from ._sample_data import make_synthetic_sample

    viewer = napari.Viewer(show=True)
    try:
        layers = read_poses(poses_path) if poses_path else make_synthetic_sample()
        for data, kwargs, layer_type in layers:
            getattr(viewer, f"add_{layer_type}")(data, **kwargs)
        n_frames = int(viewer.dims.range[0][1]) + 1
        viewer.dims.set_current_step(0, frame if frame is not None else n_frames // 2)
        viewer.reset_view()
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        viewer.screenshot(str(out), canvas_only=True)
        return out
    finally:
        viewer.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("poses", nargs="?", help="pose file (default: synthetic)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--frame", type=int, default=None)
    args = parser.parse_args(argv)
    print(write_screenshot(args.out, args.poses, args.frame))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
