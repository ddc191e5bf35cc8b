"""Init schemes against torch.nn.init and the formulas of seed 004; bias rules; symmetry of constants."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from reglab.config import INIT_SCHEMES, ConfigError, ModelConfig
from reglab.models import build_model, initialize

FAN_IN, FAN_OUT = 512, 256  # nn.Linear(512, 256).weight has shape (256, 512)


def initialized_layer(scheme: str, **options: object) -> nn.Linear:
    torch.manual_seed(0)
    layer = nn.Linear(FAN_IN, FAN_OUT)
    initialize(layer, scheme, **options)
    return layer


@pytest.mark.parametrize(
    ("scheme", "expected_std"),
    [
        ("xavier_normal", math.sqrt(2 / (FAN_IN + FAN_OUT))),
        ("xavier_uniform", math.sqrt(6 / (FAN_IN + FAN_OUT)) / math.sqrt(3)),
        ("kaiming_normal", math.sqrt(2 / FAN_IN)),
        ("kaiming_uniform", math.sqrt(6 / FAN_IN) / math.sqrt(3)),  # U(-a, a) has std a / sqrt(3)
        ("normal", 1.0),
        ("uniform", 1.0 / math.sqrt(3)),
    ],
)
def test_random_schemes_have_the_std_of_their_formula(scheme: str, expected_std: float) -> None:
    weight = initialized_layer(scheme).weight
    assert weight.mean().item() == pytest.approx(0.0, abs=6 * expected_std / math.sqrt(weight.numel()))
    assert weight.std().item() == pytest.approx(expected_std, rel=0.01)


@pytest.mark.parametrize(
    ("scheme", "bound"),
    [
        ("xavier_uniform", math.sqrt(6 / (FAN_IN + FAN_OUT))),
        ("kaiming_uniform", math.sqrt(6 / FAN_IN)),
        ("uniform", 0.3),
    ],
)
def test_uniform_schemes_fill_their_bounds(scheme: str, bound: float) -> None:
    weight = initialized_layer(scheme, bound=0.3).weight
    assert weight.abs().max().item() <= bound
    assert weight.abs().max().item() > 0.999 * bound


def test_normal_uses_the_given_std() -> None:
    assert initialized_layer("normal", std=0.05).weight.std().item() == pytest.approx(0.05, rel=0.01)


@pytest.mark.parametrize(
    ("scheme", "reference"),
    [
        ("xavier_normal", nn.init.xavier_normal_),
        ("xavier_uniform", nn.init.xavier_uniform_),
        ("kaiming_normal", lambda weight: nn.init.kaiming_normal_(weight, nonlinearity="relu")),
        ("kaiming_uniform", lambda weight: nn.init.kaiming_uniform_(weight, nonlinearity="relu")),
    ],
)
def test_schemes_draw_exactly_what_torch_nn_init_draws(scheme: str, reference) -> None:
    expected = nn.Linear(FAN_IN, FAN_OUT).weight.detach().clone()
    torch.manual_seed(0)
    nn.Linear(FAN_IN, FAN_OUT)  # consume the same random numbers as `initialized_layer`
    reference(expected)
    torch.testing.assert_close(initialized_layer(scheme).weight, expected, rtol=0, atol=0)


@pytest.mark.parametrize("scheme", ["zeros", "ones"])
def test_constant_schemes_are_exact(scheme: str) -> None:
    layer = initialized_layer(scheme)
    assert (layer.weight == (1.0 if scheme == "ones" else 0.0)).all()
    assert (layer.bias == 0).all()
    assert (initialized_layer(scheme, bias="same").bias == (1.0 if scheme == "ones" else 0.0)).all()


def test_bias_rules() -> None:
    torch.manual_seed(0)
    pytorch_default_bias = nn.Linear(FAN_IN, FAN_OUT).bias.detach().clone()
    assert (initialized_layer("xavier_normal").bias == 0).all()
    torch.testing.assert_close(initialized_layer("xavier_normal", bias="default").bias, pytorch_default_bias)
    wide = nn.Linear(64, 20_000)  # a long bias vector for statistics
    initialize(wide, "xavier_normal", bias="same")
    assert wide.bias.std().item() == pytest.approx(math.sqrt(2 / (64 + 20_000)), rel=0.02)
    initialize(wide, "uniform", bound=0.3, bias="same")
    assert 0.299 < wide.bias.abs().max().item() <= 0.3


def test_default_leaves_every_parameter_as_pytorch_made_it() -> None:
    torch.manual_seed(0)
    layer = nn.Linear(8, 4)
    before = [parameter.detach().clone() for parameter in layer.parameters()]
    initialize(layer, "default", bias="zeros")
    for old, new in zip(before, layer.parameters()):
        torch.testing.assert_close(new, old, rtol=0, atol=0)


def test_kaiming_gain_follows_the_model_activation() -> None:
    torch.manual_seed(0)
    model = build_model(ModelConfig(hidden=[1024], activation="tanh", init="kaiming_normal"), (1024,), 2)
    tanh_gain = 5 / 3
    assert model.hidden[0].linear.weight.std().item() == pytest.approx(tanh_gain / math.sqrt(1024), rel=0.01)
    leaky = build_model(ModelConfig(hidden=[1024], activation="leaky_relu", init="kaiming_normal"), (1024,), 2)
    leaky_gain = math.sqrt(2 / (1 + 0.01**2))
    assert leaky.hidden[0].linear.weight.std().item() == pytest.approx(leaky_gain / math.sqrt(1024), rel=0.01)


def test_conv_fans_include_the_kernel() -> None:
    torch.manual_seed(0)
    conv = nn.Conv2d(64, 128, 3)
    initialize(conv, "kaiming_normal")
    assert conv.weight.std().item() == pytest.approx(math.sqrt(2 / (64 * 9)), rel=0.02)
    assert (conv.bias == 0).all()


def test_normalization_layers_are_reset_to_identity() -> None:
    model = build_model(ModelConfig(hidden=[8], norm="batch"), (4,), 2)
    with torch.no_grad():
        model.hidden[0].norm.weight.fill_(3.0)
        model.hidden[0].norm.bias.fill_(2.0)
    initialize(model, "xavier_normal")
    assert (model.hidden[0].norm.weight == 1).all() and (model.hidden[0].norm.bias == 0).all()


@pytest.mark.parametrize("scheme", ["zeros", "ones"])
def test_constant_init_fails_to_break_symmetry(scheme: str) -> None:
    """All hidden units of a layer compute the same value and get the same gradient (seed 004)."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(hidden=[5, 4], activation="tanh", init=scheme), (6,), 3)
    loss = nn.functional.cross_entropy(model(torch.randn(10, 6)), torch.randint(0, 3, (10,)))
    loss.backward()
    for block in model.hidden:
        gradient = block.linear.weight.grad
        torch.testing.assert_close(gradient, gradient[:1].expand_as(gradient))
    if scheme == "ones":  # the gradient is not zero, it is just the same for every unit
        assert model.hidden[0].linear.weight.grad.abs().sum() > 0


def test_every_config_scheme_is_accepted_and_unknown_ones_fail() -> None:
    for scheme in INIT_SCHEMES:
        initialize(nn.Linear(3, 2), scheme)
    with pytest.raises(ConfigError, match=r"^model\.init: got 'he'"):
        initialize(nn.Linear(3, 2), "he")
    with pytest.raises(ConfigError, match=r"^model\.init_bias"):
        initialize(nn.Linear(3, 2), "normal", bias="ones")
