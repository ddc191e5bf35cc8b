"""The convolutional network: conv blocks -> flatten -> hidden blocks -> head -> output activation.

Each entry of `model.channels` is one conv block

    Conv(kernel_size, padding "same") -> norm -> activation -> channel dropout -> MaxPool(2)

on images (N, C, H, W) with 2-d layers, or on sequences (N, C, L) / vectors (N, L)
(read as one channel, e.g. MNIST-1D) with 1-d layers. The norm of a conv block
always precedes its activation (the usual conv-BN-ReLU order); `model.norm_position`
applies to the fully connected hidden blocks. Module names: `conv.0 ...` (children
`conv`, `norm`, `activation`, `dropout`, `pool`), then `flatten`, `hidden.0 ...`,
`head`, `output_activation` as in the MLP.

Reference:
    LeCun, Bottou, Bengio & Haffner 1998, Gradient-based learning applied to
    document recognition, Proc. IEEE 86(11).
"""

from __future__ import annotations

import math

from torch import Tensor, nn

from reglab.config.errors import ConfigError
from reglab.config.model import ModelConfig
from reglab.models.activations import make_activation, make_output_activation
from reglab.models.blocks import build_hidden_layers
from reglab.models.dropout import make_channel_dropout
from reglab.models.norms import make_norm

__all__ = ["CNN", "ConvBlock", "conv_blocks", "feature_map_shape"]


class ConvBlock(nn.Module):
    """Conv -> norm -> activation -> channel dropout -> 2x max-pool, in 1-d or 2-d.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_size: odd or even; padding "same" keeps the size before pooling.
        activation: a `model.activation` name.
        norm: none | batch | group | layer (layer = GroupNorm(1, C)).
        norm_groups: groups of group norm.
        channel_dropout: rate of zeroing whole channels.
        spatial_dims: 1 (N, C, L) or 2 (N, C, H, W).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        activation: str = "relu",
        norm: str = "none",
        norm_groups: int = 1,
        channel_dropout: float = 0.0,
        spatial_dims: int = 2,
    ) -> None:
        super().__init__()
        conv_type, pool_type = (nn.Conv2d, nn.MaxPool2d) if spatial_dims == 2 else (nn.Conv1d, nn.MaxPool1d)
        self.conv = conv_type(in_channels, out_channels, kernel_size, padding="same")
        self.norm = make_norm(norm, out_channels, norm_groups, spatial_dims)
        self.activation = make_activation(activation)
        self.dropout = make_channel_dropout(channel_dropout, spatial_dims)
        self.pool = pool_type(2)

    def forward(self, x: Tensor) -> Tensor:
        return self.pool(self.dropout(self.activation(self.norm(self.conv(x)))))


def feature_map_shape(input_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The (C, L) or (C, H, W) shape a CNN reads an input sample as.

    (L,) vectors become one-channel sequences (1, L); (C, L) and (C, H, W) are kept.

    Raises:
        ConfigError: the input has no such shape (key `model.kind`).
    """
    if len(input_shape) == 1:
        return (1, *input_shape)
    if len(input_shape) in (2, 3):
        return tuple(input_shape)
    allowed = f"mlp for inputs of shape {tuple(input_shape)} (cnn needs (L,), (C, L) or (C, H, W))"
    raise ConfigError("model.kind", "cnn", allowed)


class CNN(nn.Module):
    """Conv blocks over images or sequences, then the MLP's hidden blocks and head.

    Args:
        input_shape: shape of one sample: (C, H, W), (C, L) or (L,).
        output_dim: width of the head.
        config: the model config (channels, kernel_size, channel_dropout, hidden, ...).

    Raises:
        ConfigError: more conv blocks than the input size can pool (key `model.channels`).

    Example:
        >>> model = CNN((1, 8, 8), 10, ModelConfig(kind="cnn", channels=[4, 8], hidden=[16]))
        >>> model(torch.zeros(2, 1, 8, 8)).shape
        torch.Size([2, 10])
    """

    def __init__(self, input_shape: tuple[int, ...], output_dim: int, config: ModelConfig) -> None:
        super().__init__()
        self.sample_shape = feature_map_shape(input_shape)
        in_channels, *spatial = self.sample_shape
        smallest = min(spatial)
        if smallest < 2 ** len(config.channels):
            allowed = f"at most {int(math.log2(smallest))} conv blocks for inputs of shape {tuple(input_shape)}"
            raise ConfigError("model.channels", list(config.channels), allowed + " (each block halves the size)")
        widths = [in_channels, *config.channels]
        self.conv = nn.Sequential(
            *(
                ConvBlock(
                    widths[index],
                    widths[index + 1],
                    config.kernel_size,
                    activation=config.activation,
                    norm=config.norm,
                    norm_groups=config.norm_groups,
                    channel_dropout=config.channel_dropout,
                    spatial_dims=len(spatial),
                )
                for index in range(len(config.channels))
            )
        )
        pooled = [size // 2 ** len(config.channels) for size in spatial]
        in_features = widths[-1] * math.prod(pooled)
        self.flatten = nn.Flatten()
        self.hidden = build_hidden_layers(in_features, config)
        self.head = nn.Linear(config.hidden[-1] if config.hidden else in_features, output_dim)
        self.output_activation = make_output_activation(config.output_activation)

    def forward(self, x: Tensor) -> Tensor:
        features = self.conv(x.reshape(x.shape[0], *self.sample_shape))
        return self.output_activation(self.head(self.hidden(self.flatten(features))))


def conv_blocks(model: nn.Module) -> list[nn.Module]:
    """The conv blocks of a reglab CNN, `conv.0 ...`, in forward order ([] for an MLP)."""
    return [module for module in model.modules() if isinstance(module, ConvBlock)]
