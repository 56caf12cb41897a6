"""Poses -> model inputs: tokenizer, windows and frame masking (numpy + torch)."""

from .masking import mask_frames
from .tokenizer import PoseTokenizer, TokenizerConfig
from .windows import (
    Stitcher,
    WindowDataset,
    iter_windows,
    pad_window,
    window_starts,
    window_weights,
)

__all__ = [
    "PoseTokenizer",
    "Stitcher",
    "TokenizerConfig",
    "WindowDataset",
    "iter_windows",
    "mask_frames",
    "pad_window",
    "window_starts",
    "window_weights",
]
