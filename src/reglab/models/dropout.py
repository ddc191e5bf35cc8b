"""The dropout family (`model.dropout_kind`) and channel dropout (`model.channel_dropout`).

| kind           | training-mode output                              | reference                          |
|----------------|---------------------------------------------------|------------------------------------|
| standard       | x * m / (1 - p),  m ~ Bernoulli(1 - p)            | Srivastava et al. 2014, nn.Dropout |
| alpha          | keeps mean 0 and variance 1 of SELU activations   | Klambauer et al. 2017, nn.AlphaDropout |
| gaussian       | x * r,  r ~ N(1, p / (1 - p))                     | Srivastava et al. 2014, section 10 |
| gaussian_noise | x + sigma * e,  e ~ N(0, 1), sigma = the rate     | additive noise on activations      |

Every kind is the identity in eval mode. Standard and alpha dropout are PyTorch's
modules; the two Gaussian kinds are written here (PyTorch has no module for them)
as a pure function plus a thin module, like timm's `drop_path` + `DropPath`; the
function is the population's `dropout_members` with one member (K = 1), so a single
run and a population member draw the same noise from the same stream.

References:
    Srivastava, Hinton, Krizhevsky, Sutskever & Salakhutdinov 2014, Dropout: a simple
    way to prevent neural networks from overfitting, JMLR 15.
    Klambauer, Unterthiner, Mayr & Hochreiter 2017, Self-Normalizing Neural Networks
    (arXiv:1706.02515).
    Tompson et al. 2015, Efficient Object Localization Using Convolutional Networks
    (arXiv:1411.4280) for channel (spatial) dropout.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from reglab.config.errors import ConfigError
from reglab.models.member_noise import dropout_members

__all__ = [
    "DROPOUT_KINDS",
    "GaussianDropout",
    "GaussianNoise",
    "gaussian_dropout",
    "gaussian_noise",
    "make_channel_dropout",
    "make_dropout",
]

DROPOUT_KINDS: tuple[str, ...] = ("standard", "alpha", "gaussian", "gaussian_noise")


def gaussian_dropout(x: Tensor, p: float, training: bool = True) -> Tensor:
    """Multiplicative Gaussian noise with the mean and variance of dropout at rate `p`.

    y = x * r,  r ~ N(1, p / (1 - p)) drawn independently per element, so
    E[y] = x and Var[y] = x^2 p / (1 - p), the same as Bernoulli dropout with
    1 / (1 - p) scaling.

    Args:
        x: activations.
        p: the equivalent dropout rate, in [0, 1).
        training: apply the noise; eval mode returns `x` unchanged.

    Returns:
        The noisy activations (`x` itself when not training or p == 0).

    Example:
        >>> gaussian_dropout(torch.ones(3), 0.5, training=False)
        tensor([1., 1., 1.])

    Reference:
        Srivastava et al. 2014, Dropout, JMLR 15, section 10 (Multiplicative Gaussian Noise).
    """
    if not 0.0 <= p < 1.0:
        raise ValueError(f"gaussian dropout rate must lie in [0, 1), got {p}")
    if not training or p == 0.0:
        return x
    return dropout_members(x.unsqueeze(0), "gaussian", (p,), (None,))[0]


def gaussian_noise(x: Tensor, std: float, training: bool = True) -> Tensor:
    """Additive Gaussian noise on activations: y = x + std * e, e ~ N(0, 1).

    Args:
        x: activations.
        std: the standard deviation sigma of the noise, >= 0.
        training: apply the noise; eval mode returns `x` unchanged.

    Returns:
        The noisy activations (`x` itself when not training or std == 0).

    Example:
        >>> gaussian_noise(torch.zeros(2), 0.1, training=False)
        tensor([0., 0.])

    Reference:
        Bishop 1995, Training with noise is equivalent to Tikhonov regularization,
        Neural Computation 7(1).
    """
    if std < 0.0:
        raise ValueError(f"gaussian noise std must be >= 0, got {std}")
    if not training or std == 0.0:
        return x
    return dropout_members(x.unsqueeze(0), "gaussian_noise", (std,), (None,))[0]


class GaussianDropout(nn.Module):
    """Module form of `gaussian_dropout`; `p` may be changed between steps."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return gaussian_dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class GaussianNoise(nn.Module):
    """Module form of `gaussian_noise`; `std` may be changed between steps."""

    def __init__(self, std: float = 0.1) -> None:
        super().__init__()
        self.std = std

    def forward(self, x: Tensor) -> Tensor:
        return gaussian_noise(x, self.std, self.training)

    def extra_repr(self) -> str:
        return f"std={self.std}"


def make_dropout(kind: str, rate: float) -> nn.Module:
    """The dropout module of a hidden layer.

    The module is built even at rate 0 (then it is the identity) so that every
    hidden block has the same structure and a schedule may change the rate later.

    Args:
        kind: standard | alpha | gaussian | gaussian_noise (see the module table).
        rate: the drop probability p, or sigma for gaussian_noise.

    Returns:
        nn.Dropout, nn.AlphaDropout, GaussianDropout or GaussianNoise.

    Example:
        >>> make_dropout("gaussian", 0.2)
        GaussianDropout(p=0.2)
    """
    if kind == "standard":
        return nn.Dropout(rate)
    if kind == "alpha":
        return nn.AlphaDropout(rate)
    if kind == "gaussian":
        return GaussianDropout(rate)
    if kind == "gaussian_noise":
        return GaussianNoise(rate)
    raise ConfigError("model.dropout_kind", kind, " | ".join(DROPOUT_KINDS))


def make_channel_dropout(rate: float, spatial_dims: int) -> nn.Module:
    """Channel dropout: zeroes whole channels of (N, C, L) or (N, C, H, W) maps.

    Kept channels are scaled by 1 / (1 - rate) (nn.Dropout1d / nn.Dropout2d).

    Args:
        rate: probability of zeroing a channel, in [0, 1).
        spatial_dims: 1 for (N, C, L), 2 for (N, C, H, W).

    Returns:
        nn.Dropout1d or nn.Dropout2d.
    """
    return nn.Dropout2d(rate) if spatial_dims == 2 else nn.Dropout1d(rate)
