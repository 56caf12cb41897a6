"""The optimizer and learning-rate schedule of every training run."""

from __future__ import annotations

import torch

from .config import TrainConfig

__all__ = ["build_optimizer", "build_scheduler"]


def build_optimizer(
    model, config: TrainConfig, encoder_prefix: str = "behavert."
) -> torch.optim.Optimizer:
    """AdamW over the trainable parameters; no decay on biases and norms.

    Parameters whose name starts with ``encoder_prefix`` (the encoder under a
    head) learn at ``config.lr * config.encoder_lr_scale``, the head at
    ``config.lr``; the schedule scales both alike.
    """
    groups: dict[tuple[bool, bool], list] = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        decays = not (p.ndim < 2 or "LayerNorm" in name or "norm" in name.lower())
        groups.setdefault((decays, name.startswith(encoder_prefix)), []).append(p)
    scale = config.encoder_lr_scale
    return torch.optim.AdamW(
        [
            {
                "params": params,
                "weight_decay": config.weight_decay if decays else 0.0,
                "lr": config.lr * (scale if encoder else 1.0),
            }
            for (decays, encoder), params in sorted(groups.items())
        ],
        lr=config.lr,
    )


def build_scheduler(optimizer, config: TrainConfig, total: int):
    """Linear warm-up over ``warmup_steps``, then linear decay to 0 at ``total``."""
    warm = config.warmup_steps

    def factor(step: int) -> float:
        if warm and step < warm:
            return (step + 1) / warm
        return max(0.0, (total - step) / max(1, total - warm))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
