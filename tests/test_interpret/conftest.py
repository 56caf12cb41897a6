"""Fixtures: tiny untrained models on a short synthetic recording."""

from fixtures.tiny_models import (  # noqa: F401
    _one_thread,
    frame_model,
    seq_model,
    synthetic_rec,
    tokenizer,
)
