"""Poses -> model inputs: tokenizer, windows and frame masking (numpy + torch)."""

from .masking import mask_frames
from .tokenizer import PoseTokenizer, TokenizerConfig
from .windows import (
    Stitcher,
    crop,
    iter_windows,
    n_grid_windows,
    sample_windows,
    stack_windows,
    window_starts,
    window_weights,
)

__all__ = [
    "PoseTokenizer",
    "Stitcher",
    "TokenizerConfig",
    "crop",
    "iter_windows",
    "mask_frames",
    "n_grid_windows",
    "sample_windows",
    "stack_windows",
    "window_starts",
    "window_weights",
]
