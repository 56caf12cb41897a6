"""``pick_device``: the one place that decides where tensors go."""

from __future__ import annotations

import torch

from ..errors import ConfigError

__all__ = ["pick_device"]


def pick_device(pref: str | torch.device | None = "auto") -> torch.device:
    """Choose the torch device.

    Parameters
    ----------
    pref
        ``"auto"`` / None: CUDA if available, then Apple MPS, then CPU.
        Anything else (``"cpu"``, ``"cuda:1"``, a ``torch.device``) is used as
        given; an unknown name, or a CUDA/MPS request on a machine without it,
        raises ``ConfigError`` (a ValueError) naming the option.

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
    try:
        device = torch.device(pref)
    except (RuntimeError, ValueError, TypeError):
        raise ConfigError(
            f"--device {pref!r} is not a device: use auto, cpu, cuda, cuda:N or mps"
        ) from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            f"--device {pref!r}: this machine has no CUDA GPU (torch "
            f"{torch.__version__}); use --device cpu or auto"
        )
    if device.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ConfigError(
                f"--device {pref!r}: Apple MPS is not available; use cpu or auto"
            )
    if device.type not in ("cpu", "cuda", "mps"):
        raise ConfigError(
            f"--device {pref!r} is not supported: use auto, cpu, cuda or mps"
        )
    return device
