"""Hidden blocks (order, residual, drop path), hidden_blocks and normalization_parameter_names."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from reglab.config import ModelConfig
from reglab.models import HiddenBlock, build_model, hidden_blocks, normalization_parameter_names


def test_norm_after_the_activation() -> None:
    torch.manual_seed(0)
    block = HiddenBlock(5, 4, "tanh", norm="layer", norm_position="after").eval()
    x = torch.randn(7, 5)
    expected = nn.functional.layer_norm(torch.tanh(x @ block.linear.weight.T + block.linear.bias), (4,))
    torch.testing.assert_close(block(x), expected)


def test_norm_before_the_activation() -> None:
    torch.manual_seed(0)
    block = HiddenBlock(5, 4, "tanh", norm="layer", norm_position="before").eval()
    x = torch.randn(7, 5)
    expected = torch.tanh(nn.functional.layer_norm(x @ block.linear.weight.T + block.linear.bias, (4,)))
    torch.testing.assert_close(block(x), expected)


def test_group_norm_on_vectors() -> None:
    block = HiddenBlock(5, 6, "relu", norm="group", norm_groups=3)
    assert isinstance(block.norm, nn.GroupNorm) and block.norm.num_groups == 3


def test_residual_block_is_x_plus_f_of_x() -> None:
    torch.manual_seed(0)
    block = HiddenBlock(4, 4, "relu", residual=True, drop_path_rate=0.5).eval()
    x = torch.randn(6, 4)
    branch = torch.relu(x @ block.linear.weight.T + block.linear.bias)
    torch.testing.assert_close(block(x), x + branch)
    block.train()
    torch.manual_seed(1)
    y = block(x)
    passed_through = (y == x).all(dim=1)  # dropped samples leave the block unchanged
    assert passed_through.any() and not passed_through.all()
    torch.testing.assert_close(y[~passed_through], x[~passed_through] + branch[~passed_through] / 0.5)


def test_residual_blocks_are_the_equal_width_layers_with_growing_drop_path() -> None:
    model = build_model(ModelConfig(hidden=[8, 8, 6, 6, 6], residual=True, drop_path=0.3), (8,), 2)
    blocks = hidden_blocks(model)
    # hidden.0 maps the input (8 features) to 8: not a pair of hidden layers, so not residual.
    assert [block.residual for block in blocks] == [False, True, False, True, True]
    rates = [block.drop_path.p for block in blocks if block.residual]
    assert rates == pytest.approx([0.1, 0.2, 0.3])


def test_hidden_blocks_returns_the_hidden_layers_in_order() -> None:
    for kind in ("mlp", "cnn"):
        model = build_model(ModelConfig(kind=kind, channels=[4], hidden=[8, 16, 4]), (1, 8, 8), 3)
        blocks = hidden_blocks(model)
        assert blocks == [model.hidden[0], model.hidden[1], model.hidden[2]]
        widths = []
        handles = [block.register_forward_hook(lambda _m, _i, out: widths.append(out.shape[1])) for block in blocks]
        model(torch.randn(2, 1, 8, 8))
        assert widths == [8, 16, 4]
        for handle in handles:
            handle.remove()


def test_normalization_parameter_names_finds_exactly_the_norm_parameters() -> None:
    mlp = build_model(ModelConfig(hidden=[8, 4], norm="batch"), (6,), 2)
    assert normalization_parameter_names(mlp) == {
        "hidden.0.norm.weight",
        "hidden.0.norm.bias",
        "hidden.1.norm.weight",
        "hidden.1.norm.bias",
    }
    cnn = build_model(ModelConfig(kind="cnn", channels=[4], hidden=[8], norm="group", norm_groups=2), (1, 8, 8), 2)
    assert normalization_parameter_names(cnn) == {
        "conv.0.norm.weight",
        "conv.0.norm.bias",
        "hidden.0.norm.weight",
        "hidden.0.norm.bias",
    }
    assert normalization_parameter_names(build_model(ModelConfig(hidden=[8]), (6,), 2)) == set()
    assert normalization_parameter_names(nn.LayerNorm(3)) == {"weight", "bias"}
    names = {name for name, _ in cnn.named_parameters()}
    assert normalization_parameter_names(cnn) <= names
