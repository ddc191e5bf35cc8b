"""Pruning inside a run: the scheduled pruning of one member (its settings and record).

Metric and summary keys: see `MagnitudePruning` (the summary's are measured on the weights a
run ends with, by `MemberPruning.final_summary`).
"""

from __future__ import annotations

from typing import Literal, Mapping

import torch

from reglab.pruning.masks import sparsity_by_tensor

__all__ = ["MagnitudePruning", "sparsity_metrics", "sparsity_metric_keys"]


def sparsity_metrics(model: torch.nn.Module, names: list[str]) -> dict[str, float]:
    """`pruning/sparsity` and `pruning/sparsity/<tensor>` of the effective tensors `names`."""
    return sparsity_metric_keys(*sparsity_by_tensor(model, names))


def sparsity_metric_keys(total: float, per_tensor: Mapping[str, float]) -> dict[str, float]:
    """The metric keys of a total sparsity and the per-tensor ones (see `MagnitudePruning`)."""
    metrics = {"pruning/sparsity": total}
    metrics.update({f"pruning/sparsity/{name}": value for name, value in per_tensor.items()})
    return metrics


class MagnitudePruning:
    """Prunes `amount` of the remaining weights at the end of the given epochs: one member's
    settings and record (the stacked masks and rounds are `MemberPruning`'s).

    The member ends as a plain model with exact zeros.

    Metric keys (every epoch):

    | key                          | meaning                                                        |
    |------------------------------|----------------------------------------------------------------|
    | `pruning/sparsity`           | fraction of exactly-zero entries over the pruned tensors, at   |
    |                              | the end of the epoch (after this epoch's pruning, if any; the  |
    |                              | epoch's val/test metrics were measured before it)              |
    | `pruning/sparsity/<tensor>`  | the same for one tensor, e.g. `pruning/sparsity/head.weight`   |
    | `pruning/rounds_done`        | pruning rounds done so far                                     |

    Summary keys (at the end of the run, on the final weights):

    | key                   | meaning                                                        |
    |-----------------------|----------------------------------------------------------------|
    | `sparsity`            | realised fraction of zeros over the pruned tensors             |
    | `sparsity_per_layer`  | {tensor name: fraction of zeros}                               |
    | `pruning_rounds_done` | rounds that ran (fewer than asked when the run stopped early)  |

    Args:
        names: plain names of the tensors to prune (see `prunable_parameters`).
        amount: fraction of the remaining entries masked per round.
        epochs: epochs (1-based) at whose end a round runs (see `pruning_epochs`).
        scope: "global" or "layer" ranking.

    Example:
        >>> callback = MagnitudePruning(list(prunable_parameters(model)), 0.5, epochs=[2, 4])

    Reference:
        Zhu & Gupta (2017). To prune, or not to prune. arXiv:1710.01878.
    """


    def __init__(
        self,
        names: list[str],
        amount: float,
        epochs: list[int],
        scope: Literal["global", "layer"] = "global",
    ) -> None:
        self.names, self.amount, self.epochs, self.scope = list(names), amount, sorted(epochs), scope
        self.rounds_done = 0

    def rounds_done_after(self, epoch: int) -> int:
        """Rounds pruned by the end of epoch `epoch`."""
        return sum(1 for scheduled in self.epochs if scheduled <= epoch)
