"""Activation functions by config name (`model.activation`, ACTIVATIONS).

The names are the keys of `model.activation`; each maps to a PyTorch module with
its default arguments, so a network built here matches one written by hand with
`nn.ReLU()`, `nn.LeakyReLU()` (negative slope 0.01), ... .
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from reglab.config.errors import ConfigError

__all__ = ["ACTIVATION_MODULES", "kaiming_nonlinearity", "make_activation", "make_output_activation"]

# One entry per name in reglab.config.ACTIVATIONS.
ACTIVATION_MODULES: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
}


def make_activation(name: str) -> nn.Module:
    """A fresh activation module for a `model.activation` name.

    Args:
        name: one of ACTIVATION_MODULES (relu, leaky_relu, elu, tanh, sigmoid, gelu).

    Returns:
        The PyTorch module with default arguments.

    Raises:
        ConfigError: `name` is not a known activation.

    Example:
        >>> make_activation("leaky_relu")
        LeakyReLU(negative_slope=0.01)
    """
    if name not in ACTIVATION_MODULES:
        raise ConfigError("model.activation", name, " | ".join(ACTIVATION_MODULES))
    return ACTIVATION_MODULES[name]()


def make_output_activation(name: str) -> nn.Module:
    """The module applied after the head (`model.output_activation`).

    Args:
        name: none (Identity) | sigmoid | log_softmax (over dim 1, for NLL loss).

    Returns:
        nn.Identity, nn.Sigmoid or nn.LogSoftmax(dim=1).

    Raises:
        ConfigError: `name` is not one of those.
    """
    if name == "none":
        return nn.Identity()
    if name == "sigmoid":
        return nn.Sigmoid()
    if name == "log_softmax":
        return nn.LogSoftmax(dim=1)
    raise ConfigError("model.output_activation", name, "none | sigmoid | log_softmax")


def kaiming_nonlinearity(activation: nn.Module | None) -> tuple[str, float]:
    """The `(nonlinearity, a)` arguments of `nn.init.kaiming_*_` for an activation module.

    `nn.init.calculate_gain` knows relu, leaky_relu (gain sqrt(2 / (1 + a^2))),
    tanh (5/3), sigmoid (1) and selu (3/4). Activations it does not know (ELU,
    GELU) and a missing activation fall back to relu (gain sqrt(2)), the usual
    choice for rectifier-like units (He et al. 2015).

    Args:
        activation: the activation module that follows the layer, or None.

    Returns:
        `(nonlinearity, a)`; `a` is the negative slope for leaky_relu, else 0.

    Example:
        >>> kaiming_nonlinearity(nn.LeakyReLU(0.2))
        ('leaky_relu', 0.2)
    """
    if isinstance(activation, nn.LeakyReLU):
        return "leaky_relu", float(activation.negative_slope)
    known = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid", nn.SELU: "selu"}
    for module_type, nonlinearity in known.items():
        if isinstance(activation, module_type):
            return nonlinearity, 0.0
    return "relu", 0.0
