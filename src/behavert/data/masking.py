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
        return _random_mask(valid, n_valid, target, generator)
    return _span_mask(valid, n_valid, target, span_length, generator)


def _random_mask(valid, n_valid, target, generator) -> torch.Tensor:
    """``target`` distinct valid frames per window: a random permutation's head.

    One ``randperm`` per window, in batch order: the same random stream as the
    masks of earlier releases, so a seed reproduces their pretraining runs (a
    permutation of <= 512 frames costs microseconds; the batch is small).
    """
    mask = torch.zeros_like(valid)
    for b in range(valid.shape[0]):
        positions = torch.nonzero(valid[b]).flatten()
        order = torch.randperm(int(n_valid[b]), generator=generator)
        mask[b, positions[order[: int(target[b])]]] = True
    return mask


def _span_mask(valid, n_valid, target, span, generator) -> torch.Tensor:
    """Spans drawn in rounds for the whole batch until each window has ``target``.

    Work is in "valid rank" space (the r-th real frame of a window). Spans are
    numbered in drawing order; ``first[b, r]`` is the first span covering rank
    ``r``, so the frames masked after ``j`` spans are ``first < j``. Each
    window keeps the shortest prefix of its spans that reaches its target:
    the result of drawing spans one at a time until it is reached.
    """
    batch, length = valid.shape
    highest = (n_valid - span + 1).clamp(min=1)
    never = torch.iinfo(torch.long).max
    first = torch.full((batch, length), never, dtype=torch.long)
    offsets = torch.arange(span)
    drawn = 0
    while True:
        covered = first < never
        missing = (target - covered.sum(dim=1)).clamp(min=0)
        if not bool((missing > 0).any()):
            break
        n_spans = 2 * (-(-int(missing.max()) // span)) + 2
        u = torch.rand(batch, n_spans, generator=generator)
        starts = (u * highest[:, None]).long()
        ranks = starts[:, :, None] + offsets  # (batch, span index, span)
        index = torch.arange(drawn, drawn + n_spans)[None, :, None]
        index = index.expand(batch, n_spans, span)
        index = torch.where(ranks < n_valid[:, None, None], index, never)
        first.scatter_reduce_(
            1, ranks.clamp(max=length - 1).flatten(1), index.flatten(1), "amin"
        )
        drawn += n_spans
    # spans needed per window: the first count of spans reaching the target
    hist = torch.zeros(batch, drawn + 1, dtype=torch.long)
    hist.scatter_add_(1, first.clamp(max=drawn), torch.ones_like(first))
    reached = hist[:, :drawn].cumsum(dim=1) >= target[:, None]
    needed = reached.long().argmax(dim=1)  # index of the last span used
    needed = torch.where(target > 0, needed, -1)
    rank = (valid.long().cumsum(dim=1) - 1).clamp(min=0)
    return valid & (first.gather(1, rank) <= needed[:, None])
