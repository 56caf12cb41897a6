"""Tests of the BehaVERT encoder and heads (tiny models, CPU)."""

from __future__ import annotations

import json

import pytest
import torch

from behavert.errors import ModelFileError
from behavert.model import (
    BehavertForFrameClassification,
    BehavertForMaskedPoseModeling,
    BehavertForSequenceClassification,
    BehavertModel,
    aggregate_recording,
    load_pretrained,
)

FEATURES, WINDOW = 6, 12  # as in conftest.py


def test_encoder_shapes(config, batch):
    inputs, attention_mask = batch
    model = BehavertModel(config).eval()
    out = model(inputs, attention_mask, output_hidden_states=True)
    assert out.last_hidden_state.shape == (3, WINDOW, 32)
    assert out.cls_state.shape == (3, 32)
    assert len(out.hidden_states) == config.num_hidden_layers + 1
    assert out.hidden_states[-1].shape == (3, WINDOW + 1, 32)
    assert out.attentions is None
    assert torch.isfinite(out.last_hidden_state).all()


def test_special_vectors_are_initialised(config):
    model = BehavertModel(config)
    assert model.embeddings.cls_token.abs().sum() > 0
    assert model.embeddings.mask_token.abs().sum() > 0
    assert not torch.equal(model.embeddings.cls_token, model.embeddings.mask_token)


def test_wrong_feature_size(config):
    model = BehavertModel(config)
    with pytest.raises(ValueError, match="feature"):
        model(torch.zeros(1, 4, FEATURES + 1))


def test_too_long_window(config):
    model = BehavertModel(config)
    with pytest.raises(ValueError, match="max_position_embeddings"):
        model(torch.zeros(1, WINDOW + 1, FEATURES))


def test_eager_attentions_match_sdpa(config, batch):
    inputs, attention_mask = batch
    model = BehavertModel(config).eval()
    assert model.encoder.config._attn_implementation == "sdpa"
    with torch.no_grad():
        fast = model(inputs, attention_mask)
        slow = model(inputs, attention_mask, output_attentions=True)
    # back to SDPA after the eager pass
    assert model.encoder.config._attn_implementation == "sdpa"
    torch.testing.assert_close(
        fast.last_hidden_state, slow.last_hidden_state, atol=1e-5, rtol=1e-5
    )
    assert len(slow.attentions) == config.num_hidden_layers
    for layer in slow.attentions:
        assert layer.shape == (3, config.num_attention_heads, WINDOW + 1, WINDOW + 1)
        torch.testing.assert_close(layer.sum(-1), torch.ones(layer.shape[:-1]))
    # padded frames of sample 1 receive no attention (index 0 is CLS)
    assert slow.attentions[0][1, :, :, 9:].abs().max() < 1e-6


def test_frame_mask_hides_the_frame(config, batch):
    inputs, _ = batch
    model = BehavertModel(config).eval()
    frame_mask = torch.zeros(3, WINDOW, dtype=torch.bool)
    frame_mask[:, 4] = True
    changed = inputs.clone()
    changed[:, 4] += 5.0
    with torch.no_grad():
        a = model(inputs, frame_mask=frame_mask).last_hidden_state
        b = model(changed, frame_mask=frame_mask).last_hidden_state
        c = model(changed).last_hidden_state
    torch.testing.assert_close(a, b)
    assert not torch.allclose(a, c)


def test_masked_pose_shapes_and_loss_ignores_unmasked(config, batch):
    inputs, attention_mask = batch
    model = BehavertForMaskedPoseModeling(config).eval()
    frame_mask = torch.zeros(3, WINDOW, dtype=torch.bool)
    frame_mask[:, 2] = True
    out = model(inputs, attention_mask, frame_mask=frame_mask)
    assert out.logits.shape == (3, WINDOW, FEATURES)
    expected = torch.nn.functional.mse_loss(out.logits[:, 2], inputs[:, 2])
    torch.testing.assert_close(out.loss, expected)
    assert model(inputs, attention_mask).loss is None


def test_masked_loss_skips_padding(config, batch):
    inputs, attention_mask = batch
    model = BehavertForMaskedPoseModeling(config).eval()
    frame_mask = torch.zeros(3, WINDOW, dtype=torch.bool)
    frame_mask[1, 10] = True  # a padded frame only
    out = model(inputs, attention_mask, frame_mask=frame_mask)
    assert out.loss.item() == 0.0
    assert out.loss.requires_grad


def test_masked_loss_decreases(config, batch):
    torch.manual_seed(0)
    inputs, attention_mask = batch
    model = BehavertForMaskedPoseModeling(config).train()
    gen = torch.Generator().manual_seed(1)
    frame_mask = torch.rand(3, WINDOW, generator=gen) < 0.3
    frame_mask[:, 0] = True
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(30):
        loss = model(inputs, attention_mask, frame_mask=frame_mask).loss
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_frame_classification(config, batch):
    inputs, attention_mask = batch
    model = BehavertForFrameClassification(config).eval()
    labels = torch.randint(
        0, 3, (3, WINDOW), generator=torch.Generator().manual_seed(0)
    )
    labels[0, :5] = -100
    out = model(inputs, attention_mask, labels=labels, output_attentions=True)
    assert out.logits.shape == (3, WINDOW, 3)
    assert out.attentions[0].shape == (3, 2, WINDOW + 1, WINDOW + 1)
    keep = (labels != -100) & attention_mask.bool()
    expected = torch.nn.functional.cross_entropy(out.logits[keep], labels[keep])
    torch.testing.assert_close(out.loss, expected)


def test_frame_classification_class_weights(config, batch):
    inputs, attention_mask = batch
    config.class_weights = [1.0, 5.0, 0.5]
    model = BehavertForFrameClassification(config).eval()
    labels = torch.randint(
        0, 3, (3, WINDOW), generator=torch.Generator().manual_seed(0)
    )
    out = model(inputs, attention_mask, labels=labels)
    keep = attention_mask.bool()
    expected = torch.nn.functional.cross_entropy(
        out.logits[keep], labels[keep], weight=torch.tensor([1.0, 5.0, 0.5])
    )
    torch.testing.assert_close(out.loss, expected)


def test_multi_label_frames(config, batch):
    inputs, attention_mask = batch
    config.multi_label = True
    config.class_weights = [2.0, 1.0, 1.0]
    model = BehavertForFrameClassification(config).eval()
    gen = torch.Generator().manual_seed(0)
    labels = (torch.rand(3, WINDOW, 3, generator=gen) > 0.5).float()
    out = model(inputs, attention_mask, labels=labels)
    assert out.logits.shape == (3, WINDOW, 3)
    keep = attention_mask.bool()
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        out.logits[keep], labels[keep], pos_weight=torch.tensor([2.0, 1.0, 1.0])
    )
    torch.testing.assert_close(out.loss, expected)


def test_heads_need_class_names(config):
    config.frame_labels = []
    with pytest.raises(ValueError, match="frame_labels"):
        BehavertForFrameClassification(config)


def test_sequence_classification(config, batch):
    inputs, attention_mask = batch
    model = BehavertForSequenceClassification(config).eval()
    labels = torch.tensor([0, 1, 1])
    out = model(inputs, attention_mask, labels=labels)
    assert out.logits.shape == (3, 2)
    torch.testing.assert_close(
        out.loss, torch.nn.functional.cross_entropy(out.logits, labels)
    )
    probs = model.aggregate_recording(out.logits)
    assert probs.shape == (2,)
    torch.testing.assert_close(probs.sum(), torch.tensor(1.0))
    torch.testing.assert_close(probs, torch.softmax(out.logits, -1).mean(0))
    torch.testing.assert_close(aggregate_recording(out.logits), probs)


@pytest.mark.parametrize(
    "cls",
    [
        BehavertModel,
        BehavertForMaskedPoseModeling,
        BehavertForFrameClassification,
        BehavertForSequenceClassification,
    ],
)
def test_save_load_round_trip(cls, config, batch, tmp_path):
    inputs, attention_mask = batch
    model = cls(config).eval()
    model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").is_file()
    loaded = load_pretrained(cls, tmp_path).eval()
    assert loaded.config.frame_labels == config.frame_labels
    with torch.no_grad():
        a = model(inputs, attention_mask)
        b = loaded(inputs, attention_mask)
    key = "last_hidden_state" if cls is BehavertModel else "logits"
    assert torch.equal(a[key], b[key])


def test_head_from_pretraining_checkpoint_keeps_encoder(config, batch, tmp_path):
    config.frame_labels = []
    pretrained = BehavertForMaskedPoseModeling(config)
    pretrained.save_pretrained(tmp_path)
    head = BehavertForFrameClassification.from_pretrained(
        tmp_path, frame_labels=["a", "b", "c", "d"]
    )
    assert head.classifier.out_features == 4
    encoder = pretrained.behavert.state_dict()
    for name, value in head.behavert.state_dict().items():
        assert torch.equal(value, encoder[name]), name
    seq = BehavertForSequenceClassification.from_pretrained(
        tmp_path, sequence_labels=["wt", "ko"]
    )
    assert torch.equal(
        seq.behavert.embeddings.cls_token, pretrained.behavert.embeddings.cls_token
    )
    assert torch.isfinite(seq.classifier.weight).all()
    assert seq.classifier.weight.abs().sum() > 0


def test_missing_folder(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist") as info:
        load_pretrained(BehavertModel, tmp_path / "nowhere")
    assert info.value.path == tmp_path / "nowhere"


def test_missing_config(config, tmp_path):
    BehavertModel(config).save_pretrained(tmp_path)
    (tmp_path / "config.json").unlink()
    with pytest.raises(ModelFileError, match="config.json"):
        BehavertModel.from_pretrained(tmp_path)


def test_missing_weights(config, tmp_path):
    BehavertModel(config).save_pretrained(tmp_path)
    (tmp_path / "model.safetensors").unlink()
    with pytest.raises(ModelFileError, match="model.safetensors"):
        load_pretrained(BehavertModel, tmp_path)


def test_corrupt_weights(config, tmp_path):
    BehavertModel(config).save_pretrained(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelFileError, match="cannot load") as info:
        load_pretrained(BehavertModel, tmp_path)
    assert str(tmp_path) in str(info.value)


def test_corrupt_config(config, tmp_path):
    BehavertModel(config).save_pretrained(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ModelFileError):
        load_pretrained(BehavertModel, tmp_path)


def test_config_of_another_model(config, tmp_path):
    BehavertModel(config).save_pretrained(tmp_path)
    data = json.loads((tmp_path / "config.json").read_text())
    data["hidden_size"] = 64
    (tmp_path / "config.json").write_text(json.dumps(data))
    with pytest.raises(ModelFileError):
        load_pretrained(BehavertModel, tmp_path)
