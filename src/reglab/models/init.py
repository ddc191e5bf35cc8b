"""Weight initialization schemes (`model.init`, `model.init_bias`).

| scheme          | weights of every Linear / Conv                     | reference                 |
|-----------------|----------------------------------------------------|---------------------------|
| default         | left as PyTorch made them (weights and biases)     | nn.Linear.reset_parameters|
| xavier_normal   | N(0, 2 / (fan_in + fan_out))                       | Glorot & Bengio 2010      |
| xavier_uniform  | U(-a, a), a = sqrt(6 / (fan_in + fan_out))         | Glorot & Bengio 2010      |
| kaiming_normal  | N(0, gain^2 / fan_in), gain = sqrt(2) for ReLU     | He et al. 2015            |
| kaiming_uniform | U(-a, a), a = gain * sqrt(3 / fan_in)              | He et al. 2015            |
| normal          | N(0, std^2)                                        | seed 004 "normal"         |
| uniform         | U(-bound, bound)                                   | seed 004, Rumelhart 1986  |
| zeros / ones    | the constant 0 / 1 (fails to break symmetry)       | seed 004 "trivial"        |

Weights are drawn by `torch.nn.init`. The kaiming gain comes from the model's
activation where `nn.init.calculate_gain` knows it (relu, leaky_relu, tanh,
sigmoid, selu), relu otherwise. Biases follow `bias`: "zeros" (seed 004's
LinearLayer), "same" (drawn from the distribution of the layer's weights) or
"default" (PyTorch's). Normalization layers are set to weight 1, bias 0.
The "default" scheme changes nothing at all, so a model built with it equals a
hand-written PyTorch network created after the same `torch.manual_seed`.

References:
    Glorot & Bengio 2010, Understanding the difficulty of training deep feedforward
    neural networks, AISTATS.
    He, Zhang, Ren & Sun 2015, Delving Deep into Rectifiers (arXiv:1502.01852).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from reglab.config.errors import ConfigError
from reglab.config.model import INIT_SCHEMES
from reglab.models.activations import ACTIVATION_MODULES, kaiming_nonlinearity
from reglab.models.norms import NORMALIZATION_TYPES

__all__ = ["BIAS_RULES", "initialize", "weight_distribution"]

BIAS_RULES: tuple[str, ...] = ("zeros", "same", "default")
_WEIGHTED_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
_ACTIVATION_TYPES = (*ACTIVATION_MODULES.values(), nn.SELU)


def _fans(weight: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a Linear (out, in) or Conv (out, in, *kernel) weight."""
    receptive_field = math.prod(weight.shape[2:])
    return weight.shape[1] * receptive_field, weight.shape[0] * receptive_field


def weight_distribution(
    weight: Tensor, scheme: str, std: float = 1.0, bound: float = 1.0, gain: float = math.sqrt(2.0)
) -> tuple[str, float]:
    """The distribution a scheme draws `weight` from: ("normal", std), ("uniform", bound) or ("constant", c).

    Args:
        weight: a Linear or Conv weight (its shape gives the fans).
        scheme: a scheme of the module table other than "default".
        std: standard deviation of "normal".
        bound: bound of "uniform".
        gain: kaiming gain, nn.init.calculate_gain(nonlinearity, a).

    Returns:
        The family and its scale, e.g. ("normal", sqrt(2 / (fan_in + fan_out))) for xavier_normal.

    Example:
        >>> weight_distribution(torch.empty(3, 3), "xavier_uniform")
        ('uniform', 1.0)
    """
    fan_in, fan_out = _fans(weight)
    table = {
        "xavier_normal": ("normal", math.sqrt(2.0 / (fan_in + fan_out))),
        "xavier_uniform": ("uniform", math.sqrt(6.0 / (fan_in + fan_out))),
        "kaiming_normal": ("normal", gain / math.sqrt(fan_in)),
        "kaiming_uniform": ("uniform", gain * math.sqrt(3.0 / fan_in)),
        "normal": ("normal", std),
        "uniform": ("uniform", bound),
        "zeros": ("constant", 0.0),
        "ones": ("constant", 1.0),
    }
    return table[scheme]


def _draw(tensor: Tensor, family: str, scale: float) -> None:
    if family == "normal":
        nn.init.normal_(tensor, 0.0, scale)
    elif family == "uniform":
        nn.init.uniform_(tensor, -scale, scale)
    else:
        nn.init.constant_(tensor, scale)


def _init_weight(weight: Tensor, scheme: str, std: float, bound: float, nonlinearity: str, slope: float) -> None:
    """Draw `weight` with the nn.init function of `scheme` (the reference implementation)."""
    if scheme == "xavier_normal":
        nn.init.xavier_normal_(weight)
    elif scheme == "xavier_uniform":
        nn.init.xavier_uniform_(weight)
    elif scheme == "kaiming_normal":
        nn.init.kaiming_normal_(weight, a=slope, nonlinearity=nonlinearity)
    elif scheme == "kaiming_uniform":
        nn.init.kaiming_uniform_(weight, a=slope, nonlinearity=nonlinearity)
    else:
        _draw(weight, *weight_distribution(weight, scheme, std, bound))


@torch.no_grad()
def initialize(model: nn.Module, scheme: str, std: float = 1.0, bound: float = 1.0, bias: str = "zeros") -> None:
    """Re-initialize every Linear and Conv layer of `model` in place (see the module table).

    Args:
        model: any module; Linear / Conv1d / Conv2d / Conv3d layers are initialized.
        scheme: one of INIT_SCHEMES; "default" leaves the model untouched.
        std: standard deviation of the "normal" scheme.
        bound: bound of the "uniform" scheme, weights in [-bound, bound].
        bias: "zeros" | "same" (drawn like the layer's weights) | "default" (left as is).

    Raises:
        ConfigError: unknown scheme (key `model.init`) or bias rule (key `model.init_bias`).

    Example:
        >>> layer = nn.Linear(4, 3)
        >>> initialize(layer, "ones")
        >>> layer.weight.sum().item(), layer.bias.abs().sum().item()
        (12.0, 0.0)
    """
    if scheme not in INIT_SCHEMES:
        raise ConfigError("model.init", scheme, " | ".join(INIT_SCHEMES))
    if bias not in BIAS_RULES:
        raise ConfigError("model.init_bias", bias, " | ".join(BIAS_RULES))
    if scheme == "default":
        return
    activation = next((module for module in model.modules() if isinstance(module, _ACTIVATION_TYPES)), None)
    nonlinearity, slope = kaiming_nonlinearity(activation)
    gain = nn.init.calculate_gain(nonlinearity, slope)
    for module in model.modules():
        if isinstance(module, _WEIGHTED_LAYERS):
            _init_weight(module.weight, scheme, std, bound, nonlinearity, slope)
            if module.bias is not None and bias == "zeros":
                nn.init.zeros_(module.bias)
            elif module.bias is not None and bias == "same":
                _draw(module.bias, *weight_distribution(module.weight, scheme, std, bound, gain))
        elif isinstance(module, NORMALIZATION_TYPES):
            if getattr(module, "weight", None) is not None:
                nn.init.ones_(module.weight)
            if getattr(module, "bias", None) is not None:
                nn.init.zeros_(module.bias)
