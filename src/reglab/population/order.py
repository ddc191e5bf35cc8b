"""The order training samples are visited in, per epoch: shared by the population or per member.

A single run draws `torch.randperm(N, generator=Generator().manual_seed(seed))` at
every epoch. `independent` repeats that for each member with its own seed, so every
member sees its single run's batches. `shared` draws one permutation per epoch from
the first member's seed: members with that seed see their single run's batches,
the others an equally random order that differs from their single run's.
"""

from __future__ import annotations

from typing import Literal, Sequence

import torch

__all__ = ["DATA_ORDERS", "DataOrder"]

DATA_ORDERS = ("shared", "independent")


class DataOrder:
    """Per-epoch permutations of the training set.

    Args:
        seeds: the members' seeds.
        count: training samples N.
        mode: shared | independent.
        device: where the permutations are used.

    Example:
        >>> order = DataOrder([0, 1], 100, "independent", torch.device("cpu"))
        >>> order.epoch().shape
        torch.Size([2, 100])
    """

    def __init__(self, seeds: Sequence[int], count: int, mode: Literal["shared", "independent"], device: torch.device) -> None:
        if mode not in DATA_ORDERS:
            raise ValueError(f"unknown data order {mode!r}; allowed: {', '.join(DATA_ORDERS)}")
        self.mode = mode
        self.count = count
        self.device = device
        self.order_seed = int(seeds[0])
        chosen = [seeds[0]] if mode == "shared" else list(seeds)
        self.generators = [torch.Generator().manual_seed(int(seed)) for seed in chosen]

    @property
    def shared(self) -> bool:
        """One permutation serves every member: the shared mode, or one member's own order
        (a single run: its batches are then gathered as shared rows, the faster path)."""
        return self.mode == "shared" or len(self.generators) == 1

    def epoch(self) -> torch.Tensor:
        """This epoch's positions: (N,) when shared, else (K, N)."""
        orders = [torch.randperm(self.count, generator=generator) for generator in self.generators]
        if self.shared:
            return orders[0].to(self.device)
        return torch.stack(orders).to(self.device)

    def absorb(self, others: Sequence["DataOrder"]) -> None:
        """Take over the members of `others` (copies of this order that followed other members).

        A shared order is the same in every copy; an independent one appends their generators.
        """
        if self.mode == "independent":
            self.generators = self.generators + [generator for other in others for generator in other.generators]

    def select(self, keep: Sequence[int]) -> None:
        """Keep the generators of the members at positions `keep` (independent order)."""
        if self.mode == "independent":
            self.generators = [self.generators[position] for position in keep]
