"""Which frames to hide for masked pose modelling."""

from __future__ import annotations

import torch


def mask_frames(
    batch: int,
    length: int,
    ratio: float,
    mode: str = "random",
    span_length: int = 5,
    valid: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Draw a frame mask.

    Parameters
    ----------
    batch, length
        Shape of the mask ``(batch, length)``.
    ratio
        Fraction of valid frames to mask, in (0, 1).
    mode
        ``"random"``: exactly ``round(ratio * n_valid)`` frames per sequence
        (at least one). ``"span"``: contiguous spans of ``span_length`` frames
        with random starts until about ``ratio`` of the valid frames are masked
        (spans may overlap; at least one frame).
    span_length
        Span length in frames (``"span"`` mode).
    valid
        ``(batch, length)`` bool/int, True for real (non-padding) frames;
        only these are masked. None = all valid.
    generator
        Torch random generator for reproducible masks.

    Returns
    -------
    torch.Tensor
        ``(batch, length)`` bool, True where a frame is masked.
    """
    if not 0.0 < ratio < 1.0:
        raise ValueError(f"ratio must be in (0, 1), got {ratio}")
    if mode not in ("random", "span"):
        raise ValueError(f"mode must be 'random' or 'span', got {mode!r}")
    if span_length < 1:
        raise ValueError(f"span_length must be >= 1, got {span_length}")
    if valid is None:
        valid = torch.ones(batch, length, dtype=torch.bool)
    valid = valid.bool().cpu()
    if valid.shape != (batch, length):
        raise ValueError(f"valid has shape {tuple(valid.shape)}, not {(batch, length)}")
    n_valid = valid.sum(dim=1)
    target = torch.clamp(torch.round(n_valid * ratio), min=1).long()
    target = torch.minimum(target, n_valid)
    if mode == "random":
        scores = torch.rand(batch, length, generator=generator)
        scores[~valid] = 2.0  # never picked
        order = scores.argsort(dim=1)
        rank = order.argsort(dim=1)
        return rank < target[:, None]
    mask = torch.zeros(batch, length, dtype=torch.bool)
    for b in range(batch):
        positions = torch.nonzero(valid[b]).flatten()
        if positions.numel() == 0:
            continue
        n_spans = max(1, int(round(target[b].item() / span_length)))
        # spans start at valid frames; each covers span_length valid frames
        first = torch.randint(
            0, max(1, positions.numel() - span_length + 1), (n_spans,),
            generator=generator,
        )  # fmt: skip
        for s in first.tolist():
            mask[b, positions[s : s + span_length]] = True
    return mask
