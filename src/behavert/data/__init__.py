"""Poses -> model inputs: tokenizer, windows and frame masking (numpy + torch).

Names are imported lazily, so ``behavert.data.features``,
``behavert.data.tokenizer`` or ``behavert.data.mapping`` can be used without
importing torch (only ``windows`` and ``masking`` need it).
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "PoseTokenizer": ".tokenizer",
    "TokenizerConfig": ".tokenizer",
    "mask_frames": ".masking",
    "Stitcher": ".windows",
    "crop": ".windows",
    "iter_windows": ".windows",
    "n_grid_windows": ".windows",
    "sample_windows": ".windows",
    "stack_windows": ".windows",
    "window_starts": ".windows",
    "window_weights": ".windows",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
