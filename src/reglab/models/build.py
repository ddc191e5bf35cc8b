"""`build_model`: a ModelConfig plus the data's shapes -> an initialized nn.Module."""

from __future__ import annotations

from torch import nn

from reglab.config.model import ModelConfig
from reglab.models.cnn import CNN
from reglab.models.init import initialize
from reglab.models.mlp import MLP
from reglab.models.norms import check_norm_groups

__all__ = ["build_model"]


def build_model(config: ModelConfig, input_shape: tuple[int, ...], output_dim: int) -> nn.Module:
    """Build the network `config` describes for samples of `input_shape` and `output_dim` outputs.

    The module is created (PyTorch's default initialization), then `initialize` applies
    `model.init` / `init_std` / `init_bound` / `init_bias`. It does not seed: call
    `torch.manual_seed` first for a reproducible network.

    Args:
        config: the `model` section (a preset is already merged into it).
        input_shape: shape of one sample without the batch dimension: (C, H, W), (C, L) or (F,).
            The MLP flattens it; the CNN convolves over it.
        output_dim: number of outputs of the head (classes, or regression targets).

    Returns:
        An MLP or CNN in training mode.

    Raises:
        ConfigError: a config value that cannot fit these shapes (group count, conv depth).

    Example:
        >>> _ = torch.manual_seed(0)
        >>> model = build_model(ModelConfig(preset="mlp_seed000"), (1, 28, 28), 10)
        >>> model(torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 10])
    """
    input_shape = tuple(int(size) for size in input_shape)
    if not input_shape or min(input_shape) < 1 or output_dim < 1:
        raise ValueError(f"build_model needs positive sizes, got input_shape={input_shape}, output_dim={output_dim}")
    normalized_widths = [*config.hidden, *(config.channels if config.kind == "cnn" else [])]
    check_norm_groups(config.norm, config.norm_groups, normalized_widths)
    network = CNN if config.kind == "cnn" else MLP
    model = network(input_shape, output_dim, config)
    initialize(model, config.init, std=config.init_std, bound=config.init_bound, bias=config.init_bias)
    return model
