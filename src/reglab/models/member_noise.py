"""The dropout family, channel dropout and drop-path for K members at once, each with its own rate and stream.

A population stacks its members' activations as (K, B, ...) tensors. Each function here
draws member k's noise from member k's own generator with the operations, the shapes
and the order its single run's module uses on the global generator, so member k
draws exactly the noise of its single run whatever K (see `reglab.population.streams`):

| function                 | member k, training mode                                  | single-run module          |
|--------------------------|----------------------------------------------------------|----------------------------|
| `dropout_members`        | standard: h·m/(1−p),  m ~ Bernoulli(1−p)                 | nn.Dropout (`F.dropout`)   |
|                          | alpha: h·a·m + a·α′·(m − 1 + p)  (SELU-preserving)       | nn.AlphaDropout            |
|                          | gaussian: h·(1 + σ·e),  σ = √(p/(1−p)),  e ~ N(0, 1)     | `GaussianDropout`          |
|                          | gaussian_noise: h + σ·e,  σ = the rate                   | `GaussianNoise`            |
| `channel_dropout_members`| h·m/(1−p),  one m per (sample, channel)                  | nn.Dropout1d / Dropout2d   |
| `drop_path_members`      | h·m/(1−p),  one m per sample                             | `DropPath`                 |

with α′ = −λα of SELU (1.7581) and a = ((α′²p + 1)(1 − p))^(−1/2) (Klambauer et al.
2017, eq. 11). A member at rate 0 draws nothing and passes through unchanged, as the
single-run modules do. `generators[k]` None draws from PyTorch's global generator.
The Gaussian kinds and drop-path of a single run are these functions with K = 1
(`reglab.models.dropout`, `reglab.models.drop_path`); standard, alpha and channel
dropout reproduce PyTorch's own kernels (ATen `_dropout_impl`), which the single run
calls through its modules.

References:
    Srivastava et al. 2014, Dropout, JMLR 15 (section 10 for the Gaussian kind).
    Klambauer, Unterthiner, Mayr & Hochreiter 2017, Self-Normalizing Neural Networks (arXiv:1706.02515).
    Tompson et al. 2015, Efficient Object Localization Using Convolutional Networks (arXiv:1411.4280).
    Huang, Sun, Liu, Sedra & Weinberger 2016, Deep Networks with Stochastic Depth (arXiv:1603.09382).
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor

__all__ = ["SELU_ALPHA_PRIME", "channel_dropout_masks", "channel_dropout_members", "drop_path_members", "dropout_members"]

# −λ·α of SELU (Klambauer et al. 2017): the value alpha dropout sets dropped units to.
SELU_ALPHA_PRIME = 1.7580993408473766

Generators = Sequence["torch.Generator | None"]


def _draw(shape: Sequence[int], like: Tensor, generators: Generators, rates: Sequence[float], fill: float, draw) -> Tensor:
    """A (K, *shape) tensor: member k's slice filled by `draw(slice, rate, generator)`, or `fill` at rate 0."""
    noise = torch.empty((len(rates), *shape), device=like.device, dtype=like.dtype)
    for member, (rate, generator) in enumerate(zip(rates, generators)):
        if rate > 0:
            draw(noise[member], rate, generator)
        else:
            noise[member].fill_(fill)
    return noise


def _bernoulli_scaled(slice_: Tensor, rate: float, generator) -> None:
    slice_.bernoulli_(1 - rate, generator=generator).div_(1 - rate)


def _gaussian(h: Tensor, rates: Sequence[float], generators: Generators, multiplicative: bool) -> Tensor:
    """h·(1 + σ_k·e) or h + σ_k·e, with the operations of `x * (1 + σ * randn_like(x))` / `x + σ * randn_like(x)`.

    Out-of-place draws stacked per member, so the single-run modules (K = 1) also run
    under `torch.func.vmap(randomness="different")`.
    """
    parts = []
    for rate, generator in zip(rates, generators):
        if rate > 0:
            e = torch.randn(h.shape[1:], generator=generator, dtype=h.dtype, device=h.device)
            parts.append(1.0 + math.sqrt(rate / (1.0 - rate)) * e if multiplicative else rate * e)
        else:
            parts.append(torch.full(h.shape[1:], 1.0 if multiplicative else 0.0, dtype=h.dtype, device=h.device))
    noise = torch.stack(parts)
    return h * noise if multiplicative else h + noise


def _alpha(h: Tensor, rates: Sequence[float], generators: Generators) -> Tensor:
    """ATen's alpha dropout per member: m ~ Bernoulli(1 − p); out = h·(a·m) + (m − 1)·α′a + α′a·p."""
    scale = torch.empty(h.shape, device=h.device, dtype=h.dtype)
    shift = torch.empty(h.shape, device=h.device, dtype=h.dtype)
    for member, (rate, generator) in enumerate(zip(rates, generators)):
        if rate > 0:
            a = 1.0 / math.sqrt((SELU_ALPHA_PRIME**2 * rate + 1) * (1 - rate))
            mask = scale[member].bernoulli_(1 - rate, generator=generator)
            torch.add(mask, -1, out=shift[member]).mul_(SELU_ALPHA_PRIME * a).add_(SELU_ALPHA_PRIME * a * rate)
            mask.mul_(a)
        else:
            scale[member].fill_(1.0)
            shift[member].fill_(0.0)
    return h * scale + shift


def dropout_members(h: Tensor, kind: str, rates: Sequence[float], generators: Generators) -> Tensor:
    """Dropout of kind `kind` on stacked activations h (K, B, ...), member k at rate `rates[k]`.

    Args:
        h: activations, member-first.
        kind: standard | alpha | gaussian | gaussian_noise (`model.dropout_kind`).
        rates: K rates (host floats): the drop probability p, or σ for gaussian_noise.
        generators: K random streams (None: the global generator).

    Example:
        >>> h = torch.ones(2, 4, 3)
        >>> out = dropout_members(h, "gaussian_noise", (0.0, 0.1), (None, None))
        >>> torch.equal(out[0], h[0])
        True
    """
    if kind == "standard":
        return h * _draw(h.shape[1:], h, generators, rates, 1.0, _bernoulli_scaled)
    if kind == "alpha":
        return _alpha(h, rates, generators)
    if kind == "gaussian":
        return _gaussian(h, rates, generators, multiplicative=True)
    if kind == "gaussian_noise":
        return _gaussian(h, rates, generators, multiplicative=False)
    raise ValueError(f"unknown dropout kind {kind!r}")


def channel_dropout_masks(h: Tensor, batch: int, channels: int, spatial_dims: int, rates: Sequence[float], generators: Generators) -> Tensor:
    """The channel-dropout factors m/(1 − p) of K members, (K, B, C, 1, ...) with `spatial_dims` ones.

    Member k's (B, C) factors are drawn as `nn.Dropout1d/2d` draws them (a (B, C, 1, ...)
    Bernoulli tensor), so a member zeroes the channels its single run zeroes.
    """
    return _draw((batch, channels) + (1,) * spatial_dims, h, generators, rates, 1.0, _bernoulli_scaled)


def channel_dropout_members(h: Tensor, rates: Sequence[float], generators: Generators) -> Tensor:
    """Channel dropout of stacked feature maps h (K, B, C, *spatial): one draw per (member, sample, channel)."""
    members, batch, channels = h.shape[:3]
    return h * channel_dropout_masks(h, batch, channels, h.dim() - 3, rates, generators)


def drop_path_members(h: Tensor, rates: Sequence[float], generators: Generators) -> Tensor:
    """Stochastic depth of stacked residual branches h (K, B, ...): one draw per (member, sample).

    Member k: h·m/(1 − p_k) with m = `torch.bernoulli` of a (B, 1, ...) tensor of 1 − p_k
    (out of place, so that `torch.func.vmap(randomness="different")` draws per member too).
    """
    members, batch = h.shape[:2]
    shape = (batch,) + (1,) * (h.dim() - 2)
    keep = torch.stack(
        [
            torch.bernoulli(h.new_full(shape, 1.0 - rate), generator=generator) if rate > 0 else h.new_ones(shape)
            for rate, generator in zip(rates, generators)
        ]
    )
    divisor = torch.tensor([1.0 - rate for rate in rates], dtype=h.dtype, device=h.device).view((members,) + (1,) * (h.dim() - 1))
    return h * keep / divisor
