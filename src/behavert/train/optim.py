"""The optimizer and learning-rate schedule of every training run."""

from __future__ import annotations

import torch

from .config import TrainConfig

__all__ = ["build_optimizer", "build_scheduler"]


def build_optimizer(model, config: TrainConfig) -> torch.optim.Optimizer:
    """AdamW over the trainable parameters; no decay on biases and norms."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if p.ndim < 2 or "LayerNorm" in name or "norm" in name.lower():
            no_decay.append(p)
        else:
            decay.append(p)
    groups = [
        {"params": decay, "weight_decay": config.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=config.lr)


def build_scheduler(optimizer, config: TrainConfig, total: int):
    """Linear warm-up over ``warmup_steps``, then linear decay to 0 at ``total``."""
    warm = config.warmup_steps

    def factor(step: int) -> float:
        if warm and step < warm:
            return (step + 1) / warm
        return max(0.0, (total - step) / max(1, total - warm))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
