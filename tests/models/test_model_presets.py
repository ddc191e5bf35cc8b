"""Presets: the networks of the labs, checked against hand-written copies of them."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from reglab.config import MODEL_PRESETS, ConfigError, ModelConfig
from reglab.models import build_model, preset_config, preset_names

# Input and output widths of the dataset each preset was written for.
PRESET_SHAPES = {
    "mlp_seed000": ((1, 28, 28), 10, [784, 16, 32, 24, 10]),
    "mlp_bn_drop": ((1, 28, 28), 10, [784, 16, 32, 24, 10]),
    "animalnet": ((3, 32, 32), 3, [3072, 128, 32, 3]),
    "big_animalnet": ((3, 32, 32), 3, [3072, 124, 64, 3]),
    "animalnet_dropout": ((3, 32, 32), 3, [3072, 248, 210, 3]),
    "net_seed002": ((1,), 1, [1, 300, 500, 1]),
    "net_dropout": ((1,), 1, [1, 300, 500, 1]),
    "rumelhart_6_2_1": ((6,), 1, [6, 2, 1]),
}


def linear_widths(model: nn.Module) -> list[int]:
    linears = [module for module in model.modules() if isinstance(module, nn.Linear)]
    return [linears[0].in_features] + [linear.out_features for linear in linears]


def test_every_preset_is_covered() -> None:
    assert preset_names() == list(MODEL_PRESETS) == list(PRESET_SHAPES)


@pytest.mark.parametrize("name", list(PRESET_SHAPES))
def test_preset_layer_widths(name: str) -> None:
    input_shape, output_dim, widths = PRESET_SHAPES[name]
    model = build_model(preset_config(name), input_shape, output_dim)
    assert linear_widths(model) == widths
    assert model(torch.randn(4, *input_shape)).shape == (4, output_dim)


def test_mlp_seed000_parameter_shapes() -> None:
    model = build_model(ModelConfig(preset="mlp_seed000"), (1, 28, 28), 10)
    shapes = [tuple(parameter.shape) for parameter in model.parameters()]
    assert shapes == [(16, 784), (16,), (32, 16), (32,), (24, 32), (24,), (10, 24), (10,)]


def test_rumelhart_network() -> None:
    torch.manual_seed(0)
    model = build_model(ModelConfig(preset="rumelhart_6_2_1"), (6,), 1)
    assert linear_widths(model) == [6, 2, 1]
    assert isinstance(model.hidden[0].activation, nn.Sigmoid) and isinstance(model.output_activation, nn.Sigmoid)
    for parameter in model.parameters():  # weights and biases drawn uniformly in [-0.3, 0.3]
        assert parameter.abs().max().item() <= 0.3
    assert model.hidden[0].linear.bias.abs().sum() > 0
    output = model(torch.randn(8, 6))
    assert ((output > 0) & (output < 1)).all()


def test_config_keys_win_over_the_preset() -> None:
    config = preset_config("animalnet_dropout", hidden=[64, 32], activation="tanh", output_activation=None)
    assert config.hidden == [64, 32] and config.activation == "tanh"
    assert config.output_activation == "log_softmax"  # None overrides are dropped
    assert config.dropout == [0.5, 0.3]
    model = build_model(ModelConfig(preset="rumelhart_6_2_1", init_bound=0.05), (6,), 1)
    assert max(parameter.abs().max().item() for parameter in model.parameters()) <= 0.05
    with pytest.raises(ConfigError, match=r"^model\.preset"):
        preset_config("lenet")


class MLP_BN_Drop(nn.Module):
    """Seed 000, In [7], copied as written."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Flatten(),
            nn.Linear(28 * 28, 16),
            nn.ReLU(),
            nn.BatchNorm1d(num_features=16),
            nn.Linear(16, 32),
            nn.ReLU(),
            nn.Dropout(p=0.2),
            nn.BatchNorm1d(num_features=32),
            nn.Linear(32, 24),
            nn.ReLU(),
            nn.BatchNorm1d(num_features=24),
            nn.Linear(24, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def test_mlp_bn_drop_reproduces_seed_000() -> None:
    torch.manual_seed(7)
    reference = MLP_BN_Drop()
    torch.manual_seed(7)
    model = build_model(ModelConfig(preset="mlp_bn_drop"), (1, 28, 28), 10)
    assert [p.shape for p in model.parameters()] == [p.shape for p in reference.parameters()]
    for ours, theirs in zip(model.parameters(), reference.parameters()):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=0)
    batches = torch.rand(3, 32, 1, 28, 28)
    for batch in batches:  # training mode: same dropout masks, same batch-norm running statistics
        torch.manual_seed(1)
        expected = reference(batch)
        torch.manual_seed(1)
        torch.testing.assert_close(model(batch), expected)
    model.eval()
    reference.eval()
    torch.testing.assert_close(model(batches[0]), reference(batches[0]))


class NetDropout(nn.Module):
    """Seed 002's NetDropout: dropout before leaky ReLU (the same function, as leaky ReLU is 1-homogeneous)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(1, 300)
        self.fc2 = nn.Linear(300, 500)
        self.fc3 = nn.Linear(500, 1)
        self.dropout1 = nn.Dropout(0.4)
        self.dropout2 = nn.Dropout(0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = nn.functional.leaky_relu(self.dropout1(self.fc1(x)))
        x = nn.functional.leaky_relu(self.dropout2(self.fc2(x)))
        return self.fc3(x)


def test_net_dropout_reproduces_seed_002() -> None:
    torch.manual_seed(3)
    reference = NetDropout()
    torch.manual_seed(3)
    model = build_model(ModelConfig(preset="net_dropout"), (1,), 1)
    inputs = torch.linspace(-2, 2, 50).unsqueeze(1)
    torch.manual_seed(4)
    expected = reference(inputs)
    torch.manual_seed(4)
    torch.testing.assert_close(model(inputs), expected)
    torch.testing.assert_close(model.eval()(inputs), reference.eval()(inputs))
