"""Stochastic depth (`model.drop_path`): drop the residual branch of whole samples.

In training, the residual branch f(x) of a block x + f(x) is multiplied by
m / (1 - p) with m ~ Bernoulli(1 - p) drawn once per sample, so a dropped sample
passes through the block as x and a kept one as x + f(x) / (1 - p); in eval mode
the block is x + f(x). The rate grows linearly with depth: block l of L residual
blocks drops with p_l = (l / L) * p (Huang et al. 2016, eq. 4, with p = 1 - p_L).

Written by hand (five lines, the same computation as torchvision's
`ops.stochastic_depth(mode="row")` and timm's `drop_path`) because importing
`torchvision.ops` adds about a second to every start-up; the thin module mirrors
timm's `DropPath`. The function is the population's `drop_path_members` with one
member (K = 1).

Reference:
    Huang, Sun, Liu, Sedra & Weinberger 2016, Deep Networks with Stochastic Depth
    (arXiv:1603.09382).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from reglab.models.member_noise import drop_path_members

__all__ = ["DropPath", "drop_path", "drop_path_rates"]


def drop_path(x: Tensor, p: float, training: bool = True) -> Tensor:
    """Zero whole samples (rows along dim 0) with probability `p`; scale the rest by 1 / (1 - p).

    Args:
        x: a batch (N, ...), usually the residual branch f(x).
        p: drop probability per sample, in [0, 1).
        training: apply the drop; eval mode returns `x` unchanged.

    Returns:
        x * m / (1 - p) with one m ~ Bernoulli(1 - p) per sample.

    Example:
        >>> drop_path(torch.ones(2, 3), 0.5, training=False)
        tensor([[1., 1., 1.],
                [1., 1., 1.]])
    """
    if not 0.0 <= p < 1.0:
        raise ValueError(f"drop path rate must lie in [0, 1), got {p}")
    if not training or p == 0.0:
        return x
    return drop_path_members(x.unsqueeze(0), (p,), (None,))[0]


def drop_path_rates(rate: float, blocks: int) -> list[float]:
    """Linearly increasing drop rates of `blocks` residual blocks: p_l = rate * l / blocks.

    Example:
        >>> drop_path_rates(0.4, 2)
        [0.2, 0.4]
    """
    return [rate * (index + 1) / blocks for index in range(blocks)]


class DropPath(nn.Module):
    """Module form of `drop_path`; `p` may be changed between steps."""

    def __init__(self, p: float = 0.0) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return drop_path(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
