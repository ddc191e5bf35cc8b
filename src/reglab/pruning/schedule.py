"""When pruning happens, and how much is left after it: plain arithmetic, no torch.

    one_shot:   one round at the end of epoch `start_epoch`.
    iterative:  `rounds` rounds at the ends of epochs start_epoch, start_epoch + every, …
    lottery:    `rounds` rounds at the ends of epochs E, 2E, …, rounds·E, then a final
                round of E epochs: epochs·(rounds + 1) epochs in all.

Each round masks a fraction a of the remaining entries, so after r rounds a
fraction (1 − a)^r remains (exactly, before torch rounds a·n to whole entries).

With `pruning.remaining` [f_1, …, f_R] the lottery instead keeps round(f_r · n) of the n
entries it ranks after round r, so the fractions are hit exactly (up to one entry in n);
`fraction_schedule` builds such a list that lands on given targets (20 %, 10 %, 5 %) in
steps of about a.
"""

from __future__ import annotations

import math
from typing import Literal, Sequence

from reglab.config.pruning import lottery_total_epochs  # re-exported: the pruning code reads it from here

__all__ = [
    "pruning_epochs",
    "lottery_round",
    "lottery_total_epochs",
    "remaining_fraction",
    "expected_sparsity",
    "fraction_schedule",
]


def pruning_epochs(schedule: Literal["one_shot", "iterative"], start_epoch: int, every: int, rounds: int) -> list[int]:
    """Epochs (1-based) at whose end magnitude pruning runs.

    Example:
        >>> pruning_epochs("iterative", start_epoch=2, every=3, rounds=3)
        [2, 5, 8]
        >>> pruning_epochs("one_shot", start_epoch=4, every=1, rounds=5)
        [4]
    """
    if schedule == "one_shot":
        return [start_epoch]
    return [start_epoch + index * every for index in range(rounds)]


def lottery_round(epoch: int, epochs_per_round: int) -> int:
    """The lottery round (0 = the dense network) that epoch `epoch` (1-based) trains in.

    Example:
        >>> [lottery_round(epoch, 3) for epoch in range(1, 8)]
        [0, 0, 0, 1, 1, 1, 2]
    """
    return (epoch - 1) // epochs_per_round


def remaining_fraction(amount: float, rounds: int) -> float:
    """(1 − a)^r: the fraction of entries left after r rounds that each mask a of what remains."""
    return (1.0 - amount) ** rounds


def expected_sparsity(amount: float, rounds: int) -> float:
    """1 − (1 − a)^r.

    Example:
        >>> round(expected_sparsity(0.2, 3), 6)
        0.488
    """
    return 1.0 - remaining_fraction(amount, rounds)


def fraction_schedule(amount: float, targets: Sequence[float], decimals: int = 4) -> list[float]:
    """Fractions remaining after each round that land exactly on `targets`, pruning about
    `amount` of what remains per round.

    From 1 to the first target, then from each target to the next, the fraction falls in
    n equal geometric steps, n = round(log(t_next / t) / log(1 − a)) (at least 1): each
    step keeps (t_next / t)^(1/n) of the weights, the closest to 1 − a a whole number of
    steps allows. The steps between targets are rounded to `decimals`; the targets are exact.

    Example:
        >>> fraction_schedule(0.2, [0.2, 0.1, 0.05])   # 7 + 3 + 3 rounds of about 20.5 %
        [0.7946, 0.6314, 0.5017, 0.3986, 0.3168, 0.2517, 0.2, 0.1587, 0.126, 0.1, 0.0794, 0.063, 0.05]
    """
    if not 0.0 < amount < 1.0:
        raise ValueError(f"amount must be in (0, 1), got {amount}")
    fractions: list[float] = []
    current = 1.0
    for target in targets:
        if not 0.0 < target < current:
            raise ValueError(f"targets must decrease within (0, 1), got {list(targets)}")
        steps = max(1, round(math.log(target / current) / math.log(1.0 - amount)))
        ratio = (target / current) ** (1.0 / steps)
        fractions.extend(round(current * ratio**step, decimals) for step in range(1, steps))
        fractions.append(target)
        current = target
    return fractions

