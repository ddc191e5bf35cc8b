"""When pruning happens, and how much is left after it: plain arithmetic, no torch.

    one_shot:   one round at the end of epoch `start_epoch`.
    iterative:  `rounds` rounds at the ends of epochs start_epoch, start_epoch + every, …
    lottery:    `rounds` rounds at the ends of epochs E, 2E, …, rounds·E, then a final
                round of E epochs: epochs·(rounds + 1) epochs in all.

Each round masks a fraction a of the remaining entries, so after r rounds a
fraction (1 − a)^r remains (exactly, before torch rounds a·n to whole entries).
"""

from __future__ import annotations

from typing import Literal

__all__ = ["pruning_epochs", "lottery_round", "lottery_total_epochs", "remaining_fraction", "expected_sparsity"]


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


def lottery_total_epochs(epochs_per_round: int, rounds: int) -> int:
    """Epochs of a lottery run: `rounds` pruned rounds after the dense one, each `epochs_per_round` long."""
    return epochs_per_round * (rounds + 1)


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
