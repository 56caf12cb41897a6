"""Tests of BehavertConfig."""

from __future__ import annotations

import pytest

from behavert.model import PRESETS, BehavertConfig


@pytest.mark.parametrize("name", ["base", "small", "tiny"])
def test_presets_sizes(name):
    config = BehavertConfig.from_preset(name, feature_size=7)
    for key, value in PRESETS[name].items():
        assert getattr(config, key) == value
    assert config.feature_size == 7
    assert config.model_type == "behavert"
    assert config.max_position_embeddings >= config.window + 1


def test_base_is_the_paper_size():
    config = BehavertConfig.from_preset("base")
    assert (
        config.hidden_size,
        config.num_hidden_layers,
        config.num_attention_heads,
        config.intermediate_size,
    ) == (768, 12, 12, 3072)


def test_unknown_preset():
    with pytest.raises(ValueError, match="huge"):
        BehavertConfig.from_preset("huge")


@pytest.mark.parametrize(
    "overrides, word",
    [
        ({"hidden_size": 30, "num_attention_heads": 4}, "multiple"),
        ({"window": 600}, "max_position_embeddings"),
        ({"frame_labels": ["a", "b"], "class_weights": [1.0]}, "class_weights"),
    ],
)
def test_invalid_values(overrides, word):
    with pytest.raises(ValueError, match=word):
        BehavertConfig(**overrides)


def test_kwargs_forwarded_and_round_trip(tmp_path):
    config = BehavertConfig.from_preset(
        "tiny",
        feature_size=5,
        frame_labels=["a", "b"],
        class_weights=[1, 3],
        note="hello",
    )
    assert config.note == "hello"
    config.save_pretrained(tmp_path)
    loaded = BehavertConfig.from_pretrained(tmp_path)
    assert loaded.frame_labels == ["a", "b"]
    assert loaded.class_weights == [1.0, 3.0]
    assert loaded.hidden_size == 32
    assert loaded.note == "hello"
    assert loaded.n_frame_labels == 2


def test_window_defaults_and_old_masking_keys_load(tmp_path):
    import json

    config = BehavertConfig()
    assert (config.window, config.stride) == (64, 32)
    assert not hasattr(config, "mask_ratio")
    config.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    assert "mask_ratio" not in saved and saved["window"] == 64
    # a config.json written before masking moved to TrainConfig still loads
    saved.update(mask_ratio=0.3, mask_mode="span", span_length=7)
    (tmp_path / "config.json").write_text(json.dumps(saved))
    old = BehavertConfig.from_pretrained(tmp_path)
    assert old.window == 64 and not hasattr(old, "mask_mode")
