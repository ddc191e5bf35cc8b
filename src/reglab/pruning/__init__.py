"""Pruning: L1-magnitude (one-shot, iterative), lottery tickets and training under a ticket's
mask from fresh weights (the same-mask control), on `torch.nn.utils.prune`.

Public API:
    prune_magnitude(model, amount, scope="global", include_biases=False, remaining=None) -> masks
    magnitude_masks(weights, masks, amounts, scope, remaining=None) -> masks of K members at once
    install_masks(model, masks), prunable_parameters(model, include_biases=False)
    pruned_state_dict(model), make_pruning_permanent(model), sparsity_by_tensor(model, names)
    fraction_schedule(amount, targets): fractions remaining that land exactly on targets
    RoundMasks, write_round_masks, read_round_mask: a lottery run's masks of every round
    MagnitudePruning, LotteryTicket, FixedMask (each member's settings and record)
"""

from reglab.pruning.magnitude_rounds import (
    MagnitudePruning,
    sparsity_metric_keys,
    sparsity_metrics,
)
from reglab.pruning.fixed_mask import FixedMask, masked_fresh_start
from reglab.pruning.lottery import LotteryTicket, reset_parameters_weights, rewind_weights, round_entry, snapshot_weights
from reglab.pruning.magnitude import install_masks, prunable_parameters, prune_magnitude

# Each member's pruning settings object is one of these (`Technique.settings`).
PRUNING_SETTINGS = (MagnitudePruning, LotteryTicket, FixedMask)
from reglab.pruning.mask_file import MASKS_FILE, RoundMasks, read_round_mask, write_round_masks
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
    fraction_schedule,
    lottery_round,
    lottery_total_epochs,
    pruning_epochs,
    remaining_fraction,
)

__all__ = [
    "FixedMask",
    "PRUNING_SETTINGS",
    "LotteryTicket",
    "MASKS_FILE",
    "MagnitudePruning",
    "RoundMasks",
    "apply_masks_",
    "effective_tensor",
    "expected_sparsity",
    "fraction_schedule",
    "install_masks",
    "is_pruned",
    "keep_parameter_order",
    "lottery_round",
    "lottery_total_epochs",
    "magnitude_masks",
    "make_pruning_permanent",
    "masked_fresh_start",
    "prunable_parameters",
    "prune_magnitude",
    "pruned_state_dict",
    "pruned_tensors",
    "pruning_epochs",
    "pruning_masks",
    "read_round_mask",
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
    "write_round_masks",
    "zero_counts",
    "zero_pruned_parameters",
]
