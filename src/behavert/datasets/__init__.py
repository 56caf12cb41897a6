"""Datasets: synthetic two-mouse recordings with known behaviour labels."""

from .synthetic import (
    SyntheticRecording,
    generate_synthetic,
    labels_frame,
    make_synthetic_dataset,
    render_video,
)

__all__ = [
    "SyntheticRecording",
    "generate_synthetic",
    "labels_frame",
    "make_synthetic_dataset",
    "render_video",
]
