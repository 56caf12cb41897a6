"""The unlabelled real mouse recordings of ../shared/data, in one skeleton.

``bench_real.py`` pretrains BehaVERT on every real mouse recording here (open
field, bottom-up, DeepOF, reaching, CRIM13 and the resident-intruder recording
itself), without labels, before fine-tuning for ``interact`` on the
resident-intruder recording. The recordings have different skeletons (4 to 33
keypoints, one or two animals), so each one is expressed in the target
skeleton (resident-intruder: 2 mice x 7 keypoints) with the product's own
keypoint mapping (:func:`behavert.data.mapping.map_keypoints` /
:func:`~behavert.data.mapping.apply_mapping`): target keypoints a recording
lacks stay NaN and the tokenizer masks them; a one-animal recording fills the
first animal and leaves the second one missing (NaN), so its relational
features are masked too. Nothing is invented.

``corpus(target)`` returns the mapped recordings (the target recording is not
among them: the caller adds it) and one line per file for the report.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

DATA = Path(
    os.environ.get(
        "BEHAVERT_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
    )
)

_BSOID = "DLC_resnet50_OpenFieldHighResApr8shuffle1_1030000.h5"
#: (path under shared/data, frame step): 60 fps recordings are taken every
#: other frame to match the 30 fps target.
RECORDINGS = (
    ("dlc/openfield_pranav/openfield_dlc_inference_example.csv", 1),
    (f"dlc/bsoid_bottomup/raw_clip1{_BSOID}", 2),
    (f"dlc/bsoid_bottomup/raw_clip2{_BSOID}", 2),
    ("dlc/deepof_tests/testDLC_square_arena.h5", 1),
    ("dlc/deepof_tests/testDLC_h5_table.h5", 1),
    ("dlc/deepof_tests/testDLC_h5_table_madlc.h5", 1),
    ("dlc/dlc2kinematics_reaching/reachingDEMO_2D.h5", 1),
    ("labelled/dlc2action_crim_sample/Tvideo_8_trim.csv", 1),
    ("labelled/dlc2action_crim_sample/Tvideo_25_trim.csv", 1),
    ("labelled/dlc2action_crim_sample/Tvideo_80_trim.csv", 1),
)


def to_skeleton(poses, target):
    """``poses`` in ``target``'s keypoints and individuals; ``(poses, mapped names)``.

    The product's `behavert.data.skeleton.to_skeleton` (what ``behavert
    pretrain --skeleton`` does); the recording's video is not carried over.
    """
    from behavert.data.skeleton import to_skeleton as map_onto

    mapped, report = map_onto(poses, target)
    return mapped.replace(video=None), list(report.used)


def corpus(target, root: Path = DATA) -> tuple[list, list[str]]:
    """Every recording of :data:`RECORDINGS` present under ``root``, mapped."""
    from behavert.io.load import load_poses

    out, lines = [], []
    for rel, step in RECORDINGS:
        path = root / rel
        if not path.exists():
            lines.append(f"{rel}: absent")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # all-NaN keypoints of the mapped data
            poses = load_poses(path)
            if step > 1:
                poses = poses.select_frames(slice(None, None, step))
            mapped, used = to_skeleton(poses, target)
        if not used:
            lines.append(f"{Path(rel).name}: no keypoint maps, left out")
            continue
        out.append(mapped)
        lines.append(
            f"{Path(rel).name}: {mapped.n_frames} frames, "
            f"{min(poses.n_individuals, target.n_individuals)} animal(s), "
            f"{len(used)}/{target.n_keypoints} keypoints ({', '.join(used)})"
        )
    return out, lines
