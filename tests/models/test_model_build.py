"""build_model: every option builds and gives the right output shape; bad shapes fail in one line."""

from __future__ import annotations

import pytest
import torch

from reglab.config import ACTIVATIONS, ConfigError, ModelConfig
from reglab.models import CNN, MLP, build_model, conv_blocks, hidden_blocks

INPUT_SHAPES = [(1, 8, 8), (40,)]
OUTPUT_DIM = 3


def forward_both_modes(config: ModelConfig, input_shape: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    model = build_model(config, input_shape, OUTPUT_DIM)
    inputs = torch.randn(6, *input_shape)
    train_output = model(inputs)
    model.eval()
    return train_output, model(inputs)


def assert_output_shape(config: ModelConfig, input_shape: tuple[int, ...]) -> None:
    for output in forward_both_modes(config, input_shape):
        assert output.shape == (6, OUTPUT_DIM)
        assert torch.isfinite(output).all()


@pytest.mark.parametrize("input_shape", INPUT_SHAPES)
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_builds(kind: str, activation: str, input_shape: tuple[int, ...]) -> None:
    assert_output_shape(ModelConfig(kind=kind, activation=activation, channels=[4], hidden=[8]), input_shape)


@pytest.mark.parametrize("input_shape", INPUT_SHAPES)
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
@pytest.mark.parametrize("norm_position", ["before", "after"])
@pytest.mark.parametrize("norm", ["none", "batch", "group", "layer"])
def test_every_norm_and_position_builds(
    kind: str, norm: str, norm_position: str, input_shape: tuple[int, ...]
) -> None:
    config = ModelConfig(
        kind=kind, norm=norm, norm_position=norm_position, norm_groups=2, channels=[4, 6], hidden=[8, 4]
    )
    assert_output_shape(config, input_shape)


@pytest.mark.parametrize("input_shape", INPUT_SHAPES)
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
@pytest.mark.parametrize("dropout_kind", ["standard", "alpha", "gaussian", "gaussian_noise"])
def test_every_dropout_kind_builds(kind: str, dropout_kind: str, input_shape: tuple[int, ...]) -> None:
    config = ModelConfig(kind=kind, dropout_kind=dropout_kind, dropout=[0.3, 0.1], channel_dropout=0.2, hidden=[8, 8])
    assert_output_shape(config, input_shape)


@pytest.mark.parametrize("input_shape", INPUT_SHAPES)
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_residual_with_drop_path_builds(kind: str, input_shape: tuple[int, ...]) -> None:
    assert_output_shape(ModelConfig(kind=kind, hidden=[8, 8, 8], residual=True, drop_path=0.5), input_shape)


@pytest.mark.parametrize("input_shape", INPUT_SHAPES)
def test_output_activations(input_shape: tuple[int, ...]) -> None:
    _, probabilities = forward_both_modes(ModelConfig(hidden=[8], output_activation="sigmoid"), input_shape)
    assert ((probabilities > 0) & (probabilities < 1)).all()
    _, log_probabilities = forward_both_modes(ModelConfig(hidden=[8], output_activation="log_softmax"), input_shape)
    torch.testing.assert_close(log_probabilities.exp().sum(dim=1), torch.ones(6))


def test_kind_picks_the_network_and_module_names_are_stable() -> None:
    mlp = build_model(ModelConfig(hidden=[8, 4]), (1, 8, 8), 3)
    cnn = build_model(ModelConfig(kind="cnn", channels=[4, 6], hidden=[8]), (1, 8, 8), 3)
    assert isinstance(mlp, MLP) and isinstance(cnn, CNN)
    assert [name for name, _ in mlp.named_parameters()] == [
        "hidden.0.linear.weight",
        "hidden.0.linear.bias",
        "hidden.1.linear.weight",
        "hidden.1.linear.bias",
        "head.weight",
        "head.bias",
    ]
    assert [name for name, _ in cnn.named_parameters()][:4] == [
        "conv.0.conv.weight",
        "conv.0.conv.bias",
        "conv.1.conv.weight",
        "conv.1.conv.bias",
    ]
    assert len(conv_blocks(cnn)) == 2 and conv_blocks(mlp) == []


def test_cnn_shapes_follow_the_input() -> None:
    image_cnn = build_model(ModelConfig(kind="cnn", channels=[4, 6], hidden=[]), (3, 8, 8), 2)
    assert image_cnn.conv[0].conv.weight.shape == (4, 3, 3, 3)
    assert image_cnn.head.weight.shape == (2, 6 * 2 * 2)  # two 2x poolings: 8 -> 2
    vector_cnn = build_model(ModelConfig(kind="cnn", channels=[4], kernel_size=5, hidden=[]), (40,), 2)
    assert vector_cnn.conv[0].conv.weight.shape == (4, 1, 5)  # a vector is read as 1 channel
    assert vector_cnn.head.weight.shape == (2, 4 * 20)


def test_an_mlp_without_hidden_layers_is_a_linear_model() -> None:
    model = build_model(ModelConfig(hidden=[]), (40,), 3)
    assert hidden_blocks(model) == []
    inputs = torch.randn(5, 40)
    torch.testing.assert_close(model(inputs), inputs @ model.head.weight.T + model.head.bias)


def test_group_count_must_divide_every_width() -> None:
    with pytest.raises(ConfigError, match=r"^model\.norm_groups: got 3; allowed: a divisor"):
        build_model(ModelConfig(norm="group", norm_groups=3, hidden=[6, 8]), (40,), 2)
    with pytest.raises(ConfigError, match=r"^model\.norm_groups"):
        build_model(ModelConfig(kind="cnn", norm="group", norm_groups=4, channels=[6], hidden=[8]), (40,), 2)


def test_too_many_conv_blocks_for_the_input_size() -> None:
    with pytest.raises(ConfigError, match=r"^model\.channels: got \[4, 4, 4, 4\]; allowed: at most 3 conv blocks"):
        build_model(ModelConfig(kind="cnn", channels=[4, 4, 4, 4]), (1, 8, 8), 2)


def test_cnn_refuses_inputs_it_cannot_convolve() -> None:
    with pytest.raises(ConfigError, match=r"^model\.kind"):
        build_model(ModelConfig(kind="cnn"), (1, 2, 8, 8), 2)
