"""The optimizer and learning-rate schedule of every training run."""

from __future__ import annotations

import torch

from .config import TrainConfig

__all__ = ["build_optimizer", "build_scheduler"]


def build_optimizer(
    model, config: TrainConfig, encoder_prefix: str = "behavert."
) -> torch.optim.Optimizer:
    """AdamW over the trainable parameters; no decay on biases and norms.

    The fused AdamW kernel (one kernel over every parameter instead of a loop
    of small ones: 1.5x faster steps of small models on a CPU) is used where
    PyTorch has it (``fused_devices``: CPU and CUDA); elsewhere the default.

    Parameters whose name starts with ``encoder_prefix`` (the encoder under a
    head) learn at ``config.lr * config.encoder_lr_scale``, the head at
    ``config.lr``; the schedule scales both alike.
    """
    scale = config.encoder_lr_scale
    # (no decay, slower encoder): the decay and no-decay groups come first, as
    # before the encoder's own rate existed, so older checkpoints still resume
    groups: dict[tuple[bool, bool], list] = {(False, False): [], (True, False): []}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        no_decay = p.ndim < 2 or "LayerNorm" in name or "norm" in name.lower()
        slower = scale != 1.0 and name.startswith(encoder_prefix)
        groups.setdefault((no_decay, slower), []).append(p)
    return torch.optim.AdamW(
        [
            {
                "params": params,
                "weight_decay": 0.0 if no_decay else config.weight_decay,
                "lr": config.lr * (scale if slower else 1.0),
            }
            for (no_decay, slower), params in groups.items()
        ],
        lr=config.lr,
        fused=True if _fused_ok(config.device) else None,
    )


def _fused_ok(device: str) -> bool:
    """Whether the run's device has PyTorch's fused AdamW (CPU, CUDA)."""
    from ..model.device import pick_device

    return pick_device(device).type in ("cpu", "cuda")


def build_scheduler(optimizer, config: TrainConfig, total: int):
    """Linear warm-up over ``warmup_steps``, then linear decay to 0 at ``total``."""
    warm = config.warmup_steps

    def factor(step: int) -> float:
        if warm and step < warm:
            return (step + 1) / warm
        return max(0.0, (total - step) / max(1, total - warm))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
