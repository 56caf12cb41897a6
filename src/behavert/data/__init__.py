"""Poses -> model inputs: tokenizer, windows and frame masking (numpy + torch).

Names are imported lazily, so ``behavert.data.features``,
``behavert.data.tokenizer`` or ``behavert.data.mapping`` can be used without
importing torch (only ``windows`` and ``masking`` need it).
"""

from __future__ import annotations

import importlib
from typing import Any

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


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(_EXPORTS[name], __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
