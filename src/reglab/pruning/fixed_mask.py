"""Training under a fixed mask from fresh weights: the same-mask control of the lottery ticket.

Frankle & Carbin (2019) test whether a winning ticket's *initial values* matter by
re-initialising it at random: round r's mask M_r (found by the ticket's own training)
is kept, the weights are drawn afresh, and the network trains under M_r:

    θ₀' ~ the model's initialisation, drawn under seed  s + 7919·r
    w   ← θ₀' ⊙ M_r                     before the first step
    g   ← g ⊙ M_r,  w ← w ⊙ M_r         at every step (pruned entries stay exactly 0)

`pruning.method: fixed_mask` with `pruning.mask_file` (a lottery run's
`lottery_masks.safetensors`, see `reglab.pruning.mask_file`) and `pruning.mask_round`
r. The fresh draw is the one `pruning.control: reinit` uses for round r (seed offset
7919·r): with the ticket's seed s the run keeps the ticket's data split and order, and
only the initial weights differ. The draw and the masking happen when the technique is
built, so the run's initial weights (snapshots, `trajectory.initial`) are the masked
fresh ones.

Reference:
    Frankle, J. & Carbin, M. (2019). The Lottery Ticket Hypothesis. ICLR. arXiv:1803.03635
    (section 2, "randomly reinitialized" control).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import torch


__all__ = ["FixedMask", "masked_fresh_start"]


@torch.no_grad()
def masked_fresh_start(model: torch.nn.Module, fresh: Mapping[str, torch.Tensor], masks: Mapping[str, torch.Tensor]) -> None:
    """Load the fresh weights `fresh` (a plain state dict) into `model`, then zero the masked entries."""
    model.load_state_dict({name: tensor.to(model.state_dict()[name].device) for name, tensor in fresh.items()})
    state = model.state_dict()
    for name, mask in masks.items():
        state[name].mul_(mask.to(state[name].device, state[name].dtype))


class FixedMask:
    """Trains under one fixed mask per pruned tensor; nothing is pruned during the run. One
    member's settings (the stacked masks are `MemberPruning`'s).

    Metric keys (every epoch): `pruning/sparsity`, `pruning/sparsity/<tensor>`,
    `pruning/rounds_done` (0), as `MagnitudePruning`; summary keys `sparsity`,
    `sparsity_per_layer`, `pruning_rounds_done` (`MemberPruning.final_summary`).

    Args:
        names: plain names of the masked tensors (those of the lottery run).
        masks: plain name -> bool mask (True kept) of the round.
        mask_round: the round of the mask file the masks are (for the record).

    Example:
        >>> unit = FixedMask(list(masks), masks, mask_round=7)
    """


    def __init__(self, names: Sequence[str], masks: Mapping[str, torch.Tensor], mask_round: int) -> None:
        self.names = list(names)
        self.masks = {name: masks[name].to("cpu", torch.bool) for name in self.names}
        self.mask_round = mask_round
        self.scope = "global"
        self.amount = 0.0
        self.epochs: list[int] = []  # no pruning rounds
        self.rounds_done = 0

    def rounds_done_after(self, epoch: int) -> int:
        """Always 0: the mask is given, never pruned further."""
        return 0
