"""Hide whole animals from windows, for social masked pose modelling.

Masking frames teaches motion: a hidden frame is guessed from its neighbours.
Hiding one animal across a whole window teaches what social behaviour is
made of: where the other animal is, and how it moves, must be inferred from
the animal that is still seen. A hidden animal looks exactly like an untracked
one (its features 0, its "missing" channels 1), which the tokenizer already
produces for lost tracks; the model is asked to reconstruct its features and
the pair's relation features.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch

__all__ = ["animal_features", "hide_animals"]


def animal_features(
    groups: Mapping[str, Sequence[int]], individuals: Sequence[str], n_features: int
) -> tuple[np.ndarray, np.ndarray]:
    """What hiding each animal touches.

    Parameters
    ----------
    groups
        The tokenizer's ``feature_groups``: ``"<animal>"``, ``"<a>-<b>"`` and
        ``"missing keypoint"``.
    individuals
        The animals, in the tokenizer's order.

    Returns
    -------
    hidden : numpy.ndarray
        ``(animal, feature)`` bool: the animal's own features and those of
        every pair it is in.
    flags : numpy.ndarray
        ``(animal, feature)`` bool: its "missing keypoint" channels.
    """
    n = len(individuals)
    hidden = np.zeros((n, n_features), dtype=bool)
    flags = np.zeros((n, n_features), dtype=bool)
    missing = np.zeros(n_features, dtype=bool)
    missing[list(groups.get("missing keypoint", []))] = True
    for i, name in enumerate(individuals):
        hidden[i, list(groups.get(name, []))] = True
        for other in individuals:
            for pair in (f"{name}-{other}", f"{other}-{name}"):
                if other != name and pair in groups:
                    hidden[i, list(groups[pair])] = True
        flags[i] = hidden[i] & missing
    return hidden, flags


def hide_animals(
    x: torch.Tensor,
    hidden: torch.Tensor,
    flags: torch.Tensor,
    probability: float,
    valid: torch.Tensor,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Hide one random animal in a random share of the windows.

    Parameters
    ----------
    x
        ``(batch, time, feature)`` features.
    hidden, flags
        `animal_features` as tensors.
    probability
        Chance that a window hides an animal (one, chosen uniformly).
    valid
        ``(batch, time)`` bool: real frames (padding is never a target).

    Returns
    -------
    x_hidden : torch.Tensor
        ``x`` with the hidden animal's features 0 and its missing flags 1.
    targets : torch.Tensor
        ``(batch, time, feature)`` bool: the hidden features (flags excluded).
    """
    batch = x.shape[0]
    use = torch.rand(batch, generator=generator) < probability
    animal = torch.randint(hidden.shape[0], (batch,), generator=generator)
    rows = hidden[animal] & use[:, None]  # (batch, feature)
    region = rows[:, None, :] & valid.bool()[:, :, None]
    fill = flags[animal].to(x.dtype)[:, None, :].expand_as(x)
    x_hidden = torch.where(region, fill, x)
    return x_hidden, region & ~flags[animal][:, None, :]
