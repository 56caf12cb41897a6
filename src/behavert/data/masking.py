"""Which frames to hide for masked pose modelling (one batch at a time)."""

from __future__ import annotations

import torch

__all__ = ["MASK_MODES", "mask_frames"]

MASK_MODES = ("random", "span")


def mask_frames(
    batch: int,
    length: int,
    ratio: float,
    mode: str = "random",
    span_length: int = 5,
    valid: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Draw the frame masks of a batch of windows.

    Each window masks ``k = round(ratio * n_valid)`` (at least one) of its
    ``n_valid`` real frames; padding is never masked.

    Parameters
    ----------
    batch, length
        Shape of the mask ``(batch, length)``.
    ratio
        Fraction of valid frames to mask, in (0, 1).
    mode
        ``"random"``: exactly ``k`` frames per window. ``"span"``: runs of
        ``span_length`` valid frames with uniform random starts (a run is cut
        at the last valid frame; runs may overlap), drawn until at least ``k``
        frames are masked.
    span_length
        Span length in frames (``"span"`` mode).
    valid
        ``(batch, length)`` bool/int, True for real (non-padding) frames;
        only these are masked. None = all valid.
    generator
        Torch random generator: the same generator state gives the same masks.

    Returns
    -------
    torch.Tensor
        ``(batch, length)`` bool, True where a frame is masked.
    """
    if not 0.0 < ratio < 1.0:
        raise ValueError(f"ratio must be in (0, 1), got {ratio}")
    if mode not in MASK_MODES:
        raise ValueError(f"mode must be 'random' or 'span', got {mode!r}")
    if span_length < 1:
        raise ValueError(f"span_length must be >= 1, got {span_length}")
    if valid is None:
        valid = torch.ones(batch, length, dtype=torch.bool)
    valid = torch.as_tensor(valid).bool().cpu()
    if valid.shape != (batch, length):
        raise ValueError(f"valid has shape {tuple(valid.shape)}, not {(batch, length)}")
    n_valid = valid.sum(dim=1)
    target = torch.minimum(torch.round(n_valid * ratio).clamp(min=1).long(), n_valid)
    if mode == "random":
        scores = torch.rand(batch, length, generator=generator)
        scores[~valid] = 2.0  # never picked
        rank = scores.argsort(dim=1).argsort(dim=1)
        return rank < target[:, None]
    return _span_mask(valid, n_valid, target, span_length, generator)


def _span_mask(valid, n_valid, target, span, generator) -> torch.Tensor:
    """Spans drawn in rounds for the whole batch until each window has ``target``.

    A round draws enough spans for the window furthest from its target; each
    window keeps the shortest prefix of its spans that reaches the target (so
    the result is that of drawing spans one by one until it is reached).
    """
    batch = valid.shape[0]
    rank = valid.long().cumsum(dim=1) - 1  # position among the valid frames
    highest = (n_valid - span + 1).clamp(min=1)
    mask = torch.zeros_like(valid)
    done = target <= 0
    rows = torch.arange(batch)
    while not bool(done.all()):
        missing = int((target - mask.sum(dim=1))[~done].max())
        n_spans = 2 * (-(-missing // span)) + 2
        u = torch.rand(batch, n_spans, generator=generator)
        starts = (u * highest[:, None]).long()[:, :, None]
        cover = (rank[:, None, :] >= starts) & (rank[:, None, :] < starts + span)
        cover = (cover & valid[:, None, :]) | mask[:, None, :]
        cumulative = cover.cumsum(dim=1) > 0  # after 1, 2, ... spans
        reached = cumulative.sum(dim=2) >= target[:, None]
        first = torch.where(
            reached.any(dim=1), reached.long().argmax(dim=1), n_spans - 1
        )
        mask = torch.where(done[:, None], mask, cumulative[rows, first])
        done = done | reached.any(dim=1)
    return mask
