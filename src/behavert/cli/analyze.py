"""``behavert analyze RUN POSES... --out DIR``: attention, motifs, statistics, figures.

The files-to-objects side of :func:`behavert.report.analyze_runs`: loads the
runs, the pose files, the group table and the label files, then writes the
tables and figures with :func:`behavert.report.write_analysis`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from .common import (
    ProgressBar,
    add_max_animals,
    add_stream,
    fraction,
    int_at_least,
    load_labels,
    load_model,
    load_poses_files,
    non_negative_int,
)
from .inputs import add_poses


def register(sub) -> None:
    p = sub.add_parser("analyze", help="attention, motifs, statistics and figures")
    p.add_argument("run", help="a trained run (sequence or pretrained model)")
    add_poses(p)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--groups", help="CSV mapping recording to group")
    p.add_argument("--labels", nargs="+", help="frame labels, one per pose file")
    add_stream(p)
    p.add_argument("--frame-run", help="a frame classifier for predicted behaviour")
    p.add_argument(
        "--n-motifs", type=int_at_least(2), default=None, help="default: chosen"
    )
    p.add_argument("--method", default="kmeans", choices=["kmeans", "gmm", "hdbscan"])
    p.add_argument("--min-bout", type=non_negative_int, default=5)
    p.add_argument("--no-attribution", action="store_true")
    p.add_argument("--likelihood-threshold", type=fraction, default=None)
    add_max_animals(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..report import analyze_runs, write_analysis

    model, tokenizer, _ = load_model(args.run)
    frame_model = load_model(args.frame_run)[0] if args.frame_run else None
    poses_list = load_poses_files(
        args.poses, args.likelihood_threshold, args.max_animals
    )
    groups = groups_of(args.groups, args.poses) if args.groups else None
    labels = None
    if args.labels:
        labels = load_labels(args.labels, poses_list, args.stream, args.unscored)
    bar = ProgressBar("analyze")
    try:
        result = analyze_runs(
            model,
            tokenizer,
            poses_list,
            frame_model=frame_model,
            groups=groups,
            labels=labels,
            n_motifs=args.n_motifs,
            method=args.method,
            min_bout=args.min_bout,
            attribution=not args.no_attribution,
            progress=bar.count,
        )
    finally:
        bar.close()
    notes = annotations(labels) if labels is not None else None
    for path in write_analysis(result, args.out, annotations=notes):
        print(f"wrote {path}")
    return 0


def groups_of(table_path: str | Path, poses_paths: Sequence[str | Path]) -> list:
    """The group of every pose file, from a recording -> group table."""
    from ..io.labels import group_of, load_sequence_labels

    table = load_sequence_labels(table_path)
    return [group_of(table, p) for p in poses_paths]


def annotations(labels_list: Sequence) -> list[list[str]]:
    """The annotated class name of every frame (the ethograms' annotation band)."""
    from ..io.labels import class_names_with_background, to_class_indices

    notes = []
    for labels in labels_list:
        names = class_names_with_background(labels)
        notes.append([names[i] for i in to_class_indices(labels)])
    return notes
