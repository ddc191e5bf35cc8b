"""The multilayer perceptron: flatten -> hidden blocks -> head -> output activation.

Module names (they become metric keys such as `param/l2/hidden.0.linear.weight`):

    flatten                      inputs (N, ...) -> (N, F)
    hidden.0 ... hidden.{L-1}    HiddenBlock: linear, norm, activation, dropout (drop_path)
    head                         Linear(last width, output_dim)
    output_activation            Identity | Sigmoid | LogSoftmax(dim=1)
"""

from __future__ import annotations

import math

from torch import Tensor, nn

from reglab.config.model import ModelConfig
from reglab.models.activations import make_output_activation
from reglab.models.blocks import build_hidden_layers

__all__ = ["MLP"]


class MLP(nn.Module):
    """A fully connected network over flattened inputs.

    Args:
        input_shape: shape of one sample, e.g. (1, 28, 28) or (40,); it is flattened.
        output_dim: width of the head (number of classes or regression targets).
        config: the model config (hidden widths, activation, norm, dropout, residual, ...).

    Example:
        >>> model = MLP((1, 28, 28), 10, ModelConfig(hidden=[16, 32, 24]))
        >>> [tuple(p.shape) for p in model.parameters()][::2]
        [(16, 784), (32, 16), (24, 32), (10, 24)]
    """

    def __init__(self, input_shape: tuple[int, ...], output_dim: int, config: ModelConfig) -> None:
        super().__init__()
        in_features = math.prod(input_shape)
        self.flatten = nn.Flatten()
        self.hidden = build_hidden_layers(in_features, config)
        self.head = nn.Linear(config.hidden[-1] if config.hidden else in_features, output_dim)
        self.output_activation = make_output_activation(config.output_activation)

    def forward(self, x: Tensor) -> Tensor:
        return self.output_activation(self.head(self.hidden(self.flatten(x))))
