"""How many L1-regularized weights are exactly zero: the sparsity L1 is meant to create.

The parameter trajectory reports `param/sparsity/*` over the whole model; a run with L1
also reports the fraction over the weights L1 acts on, so the three `l1_mode`s can be
compared (only `proximal` produces exact zeros):

| key        | where           | meaning                                                        |
|------------|-----------------|----------------------------------------------------------------|
| `l1/zeros` | per epoch       | fraction of scoped weights that are exactly 0 (`WeightPenalties.zero_counts`) |
| `sparsity` | run summary     | the same fraction for the weights the run ends with             |
"""

from __future__ import annotations

from typing import Sequence

import torch

__all__ = ["zero_fraction"]


@torch.no_grad()
def zero_fraction(params: Sequence[torch.Tensor]) -> float:
    """Fraction of entries that are exactly 0 over all the given tensors (one host sync).

    Example:
        >>> zero_fraction([torch.tensor([0.0, 1.0]), torch.tensor([0.0, 0.0])])
        0.75
    """
    total = sum(param.numel() for param in params)
    if total == 0:
        return 0.0
    zeros = torch.stack([(param == 0).sum() for param in params]).sum()
    return zeros.item() / total
