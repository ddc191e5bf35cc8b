"""Pruning: L1-magnitude (one-shot, iterative) and lottery tickets, on `torch.nn.utils.prune`.

Public API:
    prune_magnitude(model, amount, scope="global", include_biases=False) -> masks
    magnitude_masks(weights, masks, amounts, scope) -> masks of K members at once (stacked)
    prunable_parameters(model, include_biases=False)
    pruned_state_dict(model), make_pruning_permanent(model), sparsity_by_tensor(model, names)
    MagnitudePruning, LotteryTicket, PruningSummary, KeepPrunedWeightsZero (run units)
"""

from reglab.pruning.callback import (
    KeepPrunedWeightsZero,
    MagnitudePruning,
    PruningSummary,
    sparsity_metric_keys,
    sparsity_metrics,
)
from reglab.pruning.lottery import LotteryTicket, reset_parameters_weights, rewind_weights, round_entry, snapshot_weights
from reglab.pruning.magnitude import prunable_parameters, prune_magnitude
from reglab.pruning.masks import (
    effective_tensor,
    is_pruned,
    keep_parameter_order,
    make_pruning_permanent,
    pruned_state_dict,
    pruned_tensors,
    pruning_masks,
    refresh_pruned_weights,
    sparsity_by_tensor,
    sparsity_from_counts,
    zero_pruned_parameters,
)
from reglab.pruning.member_masks import apply_masks_, magnitude_masks, zero_counts
from reglab.pruning.schedule import (
    expected_sparsity,
    lottery_round,
    lottery_total_epochs,
    pruning_epochs,
    remaining_fraction,
)

__all__ = [
    "KeepPrunedWeightsZero",
    "LotteryTicket",
    "MagnitudePruning",
    "PruningSummary",
    "apply_masks_",
    "effective_tensor",
    "expected_sparsity",
    "is_pruned",
    "keep_parameter_order",
    "lottery_round",
    "lottery_total_epochs",
    "magnitude_masks",
    "make_pruning_permanent",
    "prunable_parameters",
    "prune_magnitude",
    "pruned_state_dict",
    "pruned_tensors",
    "pruning_epochs",
    "pruning_masks",
    "refresh_pruned_weights",
    "remaining_fraction",
    "reset_parameters_weights",
    "rewind_weights",
    "round_entry",
    "snapshot_weights",
    "sparsity_by_tensor",
    "sparsity_from_counts",
    "sparsity_metric_keys",
    "sparsity_metrics",
    "zero_counts",
    "zero_pruned_parameters",
]
