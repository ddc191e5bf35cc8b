"""How many L1-regularized weights are exactly zero: the sparsity L1 is meant to create.

The parameter trajectory recorder reports `param/sparsity/*` over the whole model;
this observer reports the fraction over the weights L1 actually acts on, so the three
`l1_mode`s can be compared (only `proximal` produces exact zeros).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import torch

from reglab.contract.events import Callback, EpochRecord, FitRecord

__all__ = ["ZeroFractionMonitor", "zero_fraction"]


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


class ZeroFractionMonitor(Callback):
    """Observer: the fraction of exactly-zero weights among the L1-regularized ones.

    Metric keys:

    | key        | where           | meaning                                           |
    |------------|-----------------|---------------------------------------------------|
    | `l1/zeros` | per epoch       | fraction of scoped weights that are exactly 0     |
    | `sparsity` | run summary     | the same fraction for the weights the run ends with |

    Example:
        >>> monitor = ZeroFractionMonitor(list(select_parameters(model).values()))
    """

    kind = "observer"

    def __init__(self, params: Sequence[torch.Tensor]) -> None:
        self.params = list(params)

    def on_epoch_end(self, record: EpochRecord) -> dict[str, float]:
        return {"l1/zeros": zero_fraction(self.params)}

    def on_fit_end(self, record: FitRecord) -> Mapping[str, Any]:
        # Observers run after modifiers, so this sees averaged or pruned final weights.
        return {"sparsity": zero_fraction(self.params)}
