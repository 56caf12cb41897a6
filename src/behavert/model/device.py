"""``pick_device``: the one place that decides where tensors go."""

from __future__ import annotations

import torch

__all__ = ["pick_device"]


def pick_device(pref: str | torch.device | None = "auto") -> torch.device:
    """Choose the torch device.

    Parameters
    ----------
    pref
        ``"auto"`` / None: CUDA if available, then Apple MPS, then CPU.
        Anything else (``"cpu"``, ``"cuda:1"``, a ``torch.device``) is used as
        given; a CUDA/MPS request on a machine without it raises ValueError.

    Returns
    -------
    torch.device
    """
    if pref is None or (isinstance(pref, str) and pref.lower() == "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    device = torch.device(pref)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {pref!r} requested but CUDA is not available")
    if device.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ValueError(f"device {pref!r} requested but MPS is not available")
    return device
