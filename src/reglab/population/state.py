"""Everything a population carries from step to step, and how it shrinks when members finish.

A member that stops (early stopping, divergence, its last epoch) is removed from
every stacked tensor at the end of the epoch (`PopulationState.keep`), so it stops
costing work: the next epoch runs K − 1 members.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import torch

from reglab.config import Config
from reglab.contract.units import StepUnits
from reglab.population.callbacks import MemberCallbacks
from reglab.population.cancel import stop_if_cancelled
from reglab.population.data import PopulationData
from reglab.population.members import MemberHyperparameters
from reglab.objective.members import MemberObjective
from reglab.population.optim import StackedOptimizer
from reglab.population.order import DataOrder
from reglab.population.rates import MemberRates
from reglab.population.schedule import MemberSchedule
from reglab.population.techniques import MemberTechniques

__all__ = ["PopulationState", "Forward"]

# (params, buffers, inputs, MemberRates, training, shared_inputs, member generators, hidden outputs list or None)
# -> outputs (K, B, out)
Forward = Callable[[dict, dict, torch.Tensor, Any, bool, bool, Any, Any], torch.Tensor]


@dataclass
class PopulationState:
    """The stacked model, its optimizer and per-member units; `members[i]` is the original index of row i."""

    configs: list[Config]
    forward: Forward
    params: dict[str, torch.Tensor]
    buffers: dict[str, torch.Tensor]
    hyper: MemberHyperparameters
    data: PopulationData
    order: DataOrder
    objective: MemberObjective  # training loss (with label smoothing)
    eval_objective: MemberObjective  # the plain loss of evaluation, as the single run
    optimizer: StackedOptimizer
    schedule: MemberSchedule
    units: StepUnits  # every technique's work, per slot and at the epoch's edges (`reglab.contract.units`)
    techniques: list[MemberTechniques]
    epochs: int
    batch_size: int
    eval_batch_size: int
    device: torch.device
    members: list[int] = field(default_factory=list)
    engine: str = "stacked"  # stacked (batched matmuls) | vmap (torch.func over the member module)
    # Row k's random stream (dropout masks): the global generator's state right after
    # member k's model was built, so it draws what its single run draws.
    generators: list[torch.Generator] = field(default_factory=list)
    # The user's callbacks, fired for each member (`reglab.population.callbacks`).
    callbacks: MemberCallbacks = field(default_factory=MemberCallbacks)

    epoch: int = 0  # epochs begun
    # The last step's stacked gradients (what the optimizer used), kept for the user's callbacks
    # (a member module's `.grad` at epoch end); None without callbacks and once members change.
    last_gradients: dict[str, torch.Tensor] | None = None

    def __post_init__(self) -> None:
        if not self.members:
            self.members = list(range(len(self.configs)))
        self._read_member_options()

    def _read_member_options(self) -> None:
        """The current members' noise rates, from their configs (host floats)."""
        self.dropout = MemberRates.from_configs([self.configs[member] for member in self.members])

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def shared_inputs(self) -> bool:
        """One (B, ...) batch serves every member: shared inputs visited in a shared order."""
        return self.data.train_x.shared and self.order.shared

    @torch.no_grad()
    def evaluate(
        self, split: str, params: dict[str, torch.Tensor] | None = None, buffers: dict[str, torch.Tensor] | None = None
    ) -> dict[str, torch.Tensor]:
        """(K,) loss and correct sums of `split` (val | test), on the device: of the members'
        weights, or of other stacked `params`/`buffers` of the same shapes (EMA averages)."""
        params = self.params if params is None else params
        buffers = self.buffers if buffers is None else buffers
        inputs, targets = getattr(self.data, f"{split}_x"), getattr(self.data, f"{split}_y")
        count = inputs.count
        loss_sum = torch.zeros(self.size, device=self.device)
        correct = torch.zeros(self.size, device=self.device)
        for start in range(0, count, self.eval_batch_size):
            stop_if_cancelled()
            end = min(start + self.eval_batch_size, count)
            x, y = inputs.chunk(start, end), targets.chunk(start, end)
            outputs = self.forward(params, buffers, x, self.dropout, False, inputs.shared)
            loss_sum += self.eval_objective.loss(outputs, y) * (end - start)
            if self.eval_objective.correct is not None:
                correct += self.eval_objective.correct(outputs, y)
        return {f"{split}/loss": loss_sum, f"{split}/correct": correct}

    def keep(self, positions: Sequence[int]) -> None:
        """Keep only the members at row `positions`; drop the others from every stacked tensor."""
        index = torch.tensor(list(positions), dtype=torch.long, device=self.device)
        with torch.no_grad():
            self.params = {name: tensor.detach().index_select(0, index).requires_grad_(True) for name, tensor in self.params.items()}
            self.buffers = {name: tensor.index_select(0, index) for name, tensor in self.buffers.items()}
        self.hyper = self.hyper.select(positions)
        self.data = self.data.select(index)
        self.order.select(positions)
        self.schedule.select(positions)
        self.optimizer.select(index, self.params, self.hyper)
        self.units.configure(self.hyper)
        self.units.select(index, positions)
        self.last_gradients = None
        self.members = [self.members[position] for position in positions]
        if self.generators:
            self.generators = [self.generators[position] for position in positions]
        self._read_member_options()
