"""Config loading: YAML, --set overrides, presets, one-line errors naming key, value, allowed."""

from __future__ import annotations

import pytest

from reglab.config import Config, ConfigError, load_config, parse_override


def test_defaults_validate_and_are_frozen():
    config = load_config()
    assert isinstance(config, Config)
    assert config.data.dataset == "digits"
    with pytest.raises(Exception):
        config.epochs = 3  # type: ignore[misc]


def test_set_overrides_read_yaml_values():
    config = load_config(overrides=["optimizer.lr=0.05", "model.hidden=[64, 32]", "data.normalize=minmax"])
    assert config.optimizer.lr == 0.05
    assert config.model.hidden == [64, 32]
    assert config.data.normalize == "minmax"


def test_yaml_file_then_overrides_win(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("epochs: 7\noptimizer:\n  lr: 0.2\n  momentum: 0.5\n")
    config = load_config(path, ["optimizer.lr=0.01"])
    assert (config.epochs, config.optimizer.lr, config.optimizer.momentum) == (7, 0.01, 0.5)


def test_preset_fills_model_keys_and_explicit_keys_override():
    config = load_config(overrides=["model.preset=mlp_bn_drop", "model.activation=tanh"])
    assert config.model.hidden == [16, 32, 24]
    assert config.model.norm == "batch"
    assert config.model.dropout == [0.0, 0.2, 0.0]
    assert config.model.activation == "tanh"


def test_flat_keys_match_set_syntax():
    flat = load_config(overrides=["optimizer.lr=0.3"]).flat()
    assert flat["optimizer.lr"] == 0.3
    assert flat["data.dataset"] == "digits"
    assert load_config(overrides=[f"optimizer.lr={flat['optimizer.lr']}"]).optimizer.lr == 0.3


@pytest.mark.parametrize(
    ("override", "key", "fragment"),
    [
        ("optimizer.lr=0", "optimizer.lr", "greater than 0"),
        ("optimizer.lr=-1", "optimizer.lr", "greater than 0"),
        ("model.dropout=1.0", "model.dropout", "[0, 1)"),
        ("model.dropout=-0.1", "model.dropout", "[0, 1)"),
        ("epochs=0", "epochs", "greater than or equal to 1"),
        ("data.dataset=imagenet", "data.dataset", "'digits'"),
        ("model.preset=resnet50", "model.preset", "'mlp_seed000'"),
        ("model.init=glorot", "model.init", "'xavier_normal'"),
        ("model.hiden=[3]", "model.hiden", "known keys under model"),
        ("nonsense=1", "nonsense", "known keys under the top level"),
        ("optimizer.lr=fast", "optimizer.lr", "number"),
        ("data.val_size=1.5", "data.val_size", "[0, 1)"),
        ("regularization.l2=-1", "regularization.l2", "greater than or equal to 0"),
        ("pruning.amount=1.0", "pruning.amount", "less than 1"),
        ("early_stopping.criterion=magic", "early_stopping.criterion", "'patience'"),
        ("device=tpu", "device", "auto, cpu, cuda"),
        ("augment.hflip=1.5", "augment.hflip", "less than or equal to 1"),
        ("data.label_noise=-0.1", "data.label_noise", "greater than or equal to 0"),
        ("regularization.l1=-0.001", "regularization.l1", "greater than or equal to 0"),
        ("pruning.amount=-0.2", "pruning.amount", "greater than or equal to 0"),
    ],
)
def test_bad_values_give_one_line_naming_key_value_and_allowed(override, key, fragment):
    with pytest.raises(ConfigError) as caught:
        load_config(overrides=[override])
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{key}: got ")
    assert "allowed:" in message and fragment in message
    assert caught.value.key == key


def test_malformed_set_and_yaml_are_one_line_errors(tmp_path):
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_override("optimizer.lr")
    bad = tmp_path / "bad.yaml"
    bad.write_text("epochs: [1, 2\n")
    with pytest.raises(ConfigError, match="valid YAML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="existing YAML file"):
        load_config(tmp_path / "missing.yaml")
    listing = tmp_path / "list.yaml"
    listing.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(listing)


def test_dropout_list_must_match_hidden_layers():
    with pytest.raises(ConfigError, match="model"):
        load_config(overrides=["model.hidden=[8, 8]", "model.dropout=[0.1]"])
    assert load_config(overrides=["model.hidden=[8, 8]", "model.dropout=[0.1, 0.2]"]).model.dropout_rates() == [0.1, 0.2]
