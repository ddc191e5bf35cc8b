"""The hidden fully connected block and the stack of them shared by the MLP and the CNN.

A hidden block computes

    h = Linear(x) -> [norm, if before] -> activation -> dropout -> [norm, if after]

and, when residual, returns x + drop_path(h) instead of h. Its children are named
`linear`, `norm`, `activation`, `dropout` (and `drop_path`), so parameter names read
`hidden.0.linear.weight`, `hidden.0.norm.bias` whatever the options. With norm after,
this order reproduces seed 000's MLP_BN_Drop (Linear, ReLU, Dropout(0.2), BatchNorm1d).

Reference:
    He, Zhang, Ren & Sun 2016, Deep Residual Learning for Image Recognition
    (arXiv:1512.03385) for the x + f(x) blocks.
"""

from __future__ import annotations

from torch import Tensor, nn

from reglab.config.model import ModelConfig
from reglab.models.activations import make_activation
from reglab.models.drop_path import DropPath, drop_path_rates
from reglab.models.dropout import make_dropout
from reglab.models.norms import make_norm

__all__ = ["HiddenBlock", "build_hidden_layers", "drop_path_by_layer", "hidden_blocks", "residual_layers"]


class HiddenBlock(nn.Module):
    """One hidden layer: Linear -> [norm] -> activation -> dropout -> [norm], optionally residual.

    Args:
        in_features: input width.
        out_features: output width (must equal `in_features` when residual).
        activation: a `model.activation` name.
        norm: none | batch | group | layer.
        norm_position: "before" or "after" the activation.
        norm_groups: groups of group norm.
        dropout_kind: a `model.dropout_kind` name.
        dropout_rate: the rate of that dropout.
        residual: return x + drop_path(h) instead of h.
        drop_path_rate: stochastic-depth rate of the residual branch.

    Example:
        >>> block = HiddenBlock(16, 32, "relu", norm="batch")
        >>> [name for name, _ in block.named_children()]
        ['linear', 'activation', 'dropout', 'norm']
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        activation: str = "relu",
        norm: str = "none",
        norm_position: str = "after",
        norm_groups: int = 1,
        dropout_kind: str = "standard",
        dropout_rate: float = 0.0,
        residual: bool = False,
        drop_path_rate: float = 0.0,
    ) -> None:
        super().__init__()
        if residual and in_features != out_features:
            raise ValueError(f"a residual block needs equal widths, got {in_features} -> {out_features}")
        if norm_position not in ("before", "after"):
            raise ValueError(f"norm_position must be 'before' or 'after', got {norm_position!r}")
        self.norm_position = norm_position
        self.residual = residual
        # Children are registered in forward order so that print(model) reads like the computation.
        self.linear = nn.Linear(in_features, out_features)
        if norm_position == "before":
            self.norm = make_norm(norm, out_features, norm_groups)
        self.activation = make_activation(activation)
        self.dropout = make_dropout(dropout_kind, dropout_rate)
        if norm_position == "after":
            self.norm = make_norm(norm, out_features, norm_groups)
        if residual:
            self.drop_path = DropPath(drop_path_rate)

    def forward(self, x: Tensor) -> Tensor:
        h = self.linear(x)
        if self.norm_position == "before":
            h = self.norm(h)
        h = self.dropout(self.activation(h))
        if self.norm_position == "after":
            h = self.norm(h)
        return x + self.drop_path(h) if self.residual else h


def build_hidden_layers(in_features: int, config: ModelConfig) -> nn.Sequential:
    """The hidden blocks `0 ... L-1` of `config.hidden`, to be stored as `model.hidden`.

    With `config.residual`, every layer whose input width equals its output width
    (consecutive hidden layers of equal width) is a residual block; the drop-path
    rates of those blocks grow linearly to `config.drop_path` (Huang et al. 2016).

    Args:
        in_features: width of the input of the first hidden layer.
        config: the model config (hidden, activation, norm..., dropout..., residual, drop_path).

    Returns:
        nn.Sequential of HiddenBlock (empty when `config.hidden` is empty).
    """
    widths = [in_features, *config.hidden]
    residual = residual_layers(config)
    drop_rates = drop_path_by_layer(config)
    blocks = [
        HiddenBlock(
            widths[index],
            widths[index + 1],
            activation=config.activation,
            norm=config.norm,
            norm_position=config.norm_position,
            norm_groups=config.norm_groups,
            dropout_kind=config.dropout_kind,
            dropout_rate=rate,
            residual=residual[index],
            drop_path_rate=drop_rates[index],
        )
        for index, rate in enumerate(config.dropout_rates())
    ]
    return nn.Sequential(*blocks)


def residual_layers(config: ModelConfig) -> list[bool]:
    """Per hidden layer: is it a residual block? (`model.residual` and equal widths in and out, from layer 1 on)."""
    widths = config.hidden
    return [config.residual and index > 0 and widths[index - 1] == widths[index] for index in range(len(widths))]


def drop_path_by_layer(config: ModelConfig) -> list[float]:
    """Per hidden layer, its drop-path rate: linear in depth over the residual blocks, 0 elsewhere.

    Example:
        >>> drop_path_by_layer(ModelConfig(hidden=[8, 8, 8], residual=True, drop_path=0.4))
        [0.0, 0.2, 0.4]
    """
    residual = residual_layers(config)
    rates = iter(drop_path_rates(config.drop_path, sum(residual)))
    return [next(rates) if is_residual else 0.0 for is_residual in residual]


def hidden_blocks(model: nn.Module) -> list[nn.Module]:
    """The hidden fully connected blocks of a reglab model, in forward order.

    Their outputs are the hidden activations: activity regularization registers
    forward hooks on them. Conv blocks of a CNN are not included (see `conv_blocks`).

    Args:
        model: a model from `build_model` (any module; other modules give []).

    Returns:
        The HiddenBlock modules, `hidden.0 ... hidden.{L-1}`.
    """
    return [module for module in model.modules() if isinstance(module, HiddenBlock)]
