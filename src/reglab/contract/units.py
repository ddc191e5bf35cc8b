"""Member units: a technique's work inside the training step, written once for K members.

Every run trains K ≥ 1 members stacked along dim 0 (a single run is K = 1). A unit is
built once for the K members' configs and acts on the stacked tensors; the loop calls
the units of each slot in order, knowing none of them by name:

    x, y   = transform_batch(x, y)                                  each member's own draws
    loss_k = transform_loss(data loss_k) + Σ loss_terms_k         one value per member
    g      = ∇ Σ_k loss_k                                           one backward for all members
    g      ← transform_gradients(g)                                 in slot order
    w      ← optimizer step (each member's lr, momentum, decay)
    w      ← transform_weights(w)                                   in slot order

| slot                 | acts on                                | units                                  |
|----------------------|----------------------------------------|----------------------------------------|
| `batch_transform`    | the training batch, (K, B, ...)        | augmentation, mixup/cutmix, adversarial examples |
| `loss_transform`     | each member's mean data loss, (K,)     | flooding                               |
| `loss_term`          | added terms, (K,) each, by name        | L1/L2, orthogonality, activity         |
| `gradient_transform` | the stacked gradients                  | pruning masks, SAM, L1 subgradient, clipping, the trajectory's gradient norms |
| `weight_transform`   | the stacked weights after the step     | proximal L1, max-norm, pruning masks, EMA/SWA, the trajectory's step rows |

At each epoch's end a unit may add (K,) device quantities to the one host sync of the
epoch (`epoch_quantities`), turn its member's share into metric keys (`epoch_metrics`),
and add entries to a finished member's summary (`final_summary`): the `l1/zeros` and
`sparsity` of L1 are measured so. Events (epoch ends, early stopping, stores) are
`reglab.contract.Callback`s fired per member with real records. A unit's per-member
numbers come from the step's `hyper` (each member's value, shape (K,)), so it never
holds a copy that goes stale when members finish; what it reads on the host (which
members use it) it reads in `configure`, called again whenever the population's members
change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Literal

import torch

__all__ = ["SLOTS", "MemberStart", "MemberStep", "MemberUnit", "PopulationUnsupported", "Slot", "StepUnits"]


class PopulationUnsupported(ValueError):
    """Members that cannot share one population (a unit refuses them); each trains as its own run."""


Slot = Literal["batch_transform", "loss_transform", "loss_term", "gradient_transform", "weight_transform"]
SLOTS: tuple[Slot, ...] = ("batch_transform", "loss_transform", "loss_term", "gradient_transform", "weight_transform")

Gradients = dict[str, torch.Tensor]


@dataclass
class MemberStart:
    """What a family's units builder gets: the K members of a run before training starts.

    Attributes:
        configs: the members' configs (a population shares its shape keys, see
            `reglab.population.grouping`; numeric settings differ per member).
        template: one member's model (parameter names, shapes, scopes).
        hyper: each member's numeric settings, (K,) tensors (`MemberHyperparameters`).
        params, buffers: the stacked initial tensors (K, ...), by the template's names.
        built: each member's callbacks and settings objects, as its family builders made them
            (`Technique.callbacks`, `Technique.settings`).
        data: the members' data (`PopulationData`: shapes, task, each member's splits).
        hidden_outputs: whether the forward pass hands units the hidden blocks' outputs
            (`MemberStep.hidden`; not through `torch.func` with a module of the user's).
    """

    configs: list[Any]
    template: torch.nn.Module
    hyper: Any
    params: dict[str, torch.Tensor]
    buffers: dict[str, torch.Tensor]
    built: list[list[Any]] = field(default_factory=list)
    data: Any = None
    hidden_outputs: bool = True


@dataclass
class MemberStep:
    """What a unit may read about the current step of K members.

    Attributes:
        params, buffers: the stacked tensors (K, ...), by the member model's names.
        hyper: each member's numeric settings (`reglab.population.members.MemberHyperparameters`).
        batch_size: samples in this step's batch.
        index, steps: the step's index in the epoch and the epoch's step count.
        members: the original member index of each row.
        hidden: each hidden block's output (K, B, width), when a unit `reads_hidden`; else None.
        lr: this step's (K,) learning rates.
        gradients: the gradients the optimizer used (set before the weight transforms).
        regradient: the gradients again at the current weights, through the gradient
            transforms that precede the calling unit (SAM's second pass).
        batch: the step's (inputs, targets, shared inputs) after the batch transforms.
        shared: the inputs are one (B, ...) batch for every member (before a batch transform).
        generators: each row's random stream (its dropout masks and augmentation draws).
        evaluate: member inputs (K, B, ...) -> outputs (K, B, out) in evaluation mode
            (running statistics, no dropout): what an attack differentiates.
    """

    params: dict[str, torch.Tensor]
    buffers: dict[str, torch.Tensor]
    hyper: Any
    batch_size: int
    index: int
    steps: int
    members: list[int]
    lr: torch.Tensor
    hidden: list[torch.Tensor] | None = None
    gradients: Gradients = field(default_factory=dict)
    regradient: Callable[[], Gradients] | None = None
    batch: tuple[torch.Tensor, torch.Tensor, bool] | None = None
    shared: bool = False
    generators: list[Any] = field(default_factory=list)
    evaluate: Callable[[torch.Tensor], torch.Tensor] | None = None

    @property
    def last(self) -> bool:
        """Is this the epoch's last step?"""
        return self.index == self.steps - 1


class MemberUnit:
    """Base class of a technique's step work for K members; override the slots you declare.

    Attributes:
        name: names the unit (and its loss terms, `loss/<name>`).
        slots: where it acts (see `SLOTS`).
        order: its place within each slot (lower first); a family's registry order by
            default, `slot_order` overrides it for single slots.
        reads_hidden: the loop hands it the hidden blocks' outputs (`MemberStep.hidden`).
        regradients: the loop gives it `MemberStep.regradient` (a second pass, as SAM's).
    """

    name: ClassVar[str] = "unit"
    slots: ClassVar[tuple[Slot, ...]] = ()
    slot_order: ClassVar[dict[str, int]] = {}
    reads_hidden: ClassVar[bool] = False
    regradients: ClassVar[bool] = False
    order: int = 0

    def configure(self, hyper: Any) -> None:
        """Read, on the host, what the current members use (at build, and after members change)."""

    def transform_batch(self, inputs: torch.Tensor, labels: torch.Tensor, step: MemberStep) -> tuple[torch.Tensor, torch.Tensor]:
        """The training batch -> each member's (K, B, ...) inputs and its labels or soft targets.
        `inputs` are (B, ...) for every member when `step.shared`, else (K, B, ...)."""
        return inputs, labels

    def transform_loss(self, losses: torch.Tensor, step: MemberStep) -> torch.Tensor:
        """(K,) data losses -> the (K,) losses the gradient is taken of."""
        return losses

    def loss_terms(self, step: MemberStep) -> dict[str, torch.Tensor]:
        """(K,) terms to add to the loss, by name (recorded per epoch as `loss/<name>`)."""
        return {}

    def transform_gradients(self, gradients: Gradients, step: MemberStep) -> Gradients | None:
        """Act on the stacked gradients: change them in place (return None) or return new ones."""
        return None

    def transform_weights(self, step: MemberStep) -> None:
        """Act on the stacked weights after the optimizer step, in place."""

    def emitted(self, position: int) -> set[str]:
        """The `loss/<name>` keys the member at row `position` records (its strength is not 0)."""
        return set()

    def epoch_quantities(self, params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """(K,) device tensors to fetch at the epoch's end, by name (fetched with everything else)."""
        return {}

    def epoch_metrics(self, fetched: dict[str, list[list[float]]], position: int) -> dict[str, float]:
        """The metric keys of the member at row `position`, from the fetched quantities
        (`fetched[name][position]` is its list of values)."""
        return {}

    def final_summary(self, params: dict[str, torch.Tensor], position: int) -> dict[str, Any]:
        """Summary entries of the member at row `position` as it finishes, from its final weights."""
        return {}

    def position(self, slot: Slot) -> int:
        return self.slot_order.get(slot, self.order)


class StepUnits:
    """The units of one population, listed per slot in order.

    Example:
        >>> units = StepUnits([flooding, penalties, clipping], hyper)
        >>> [unit.name for unit in units.of("gradient_transform")]
        ['clipping']
    """

    def __init__(self, units: list[MemberUnit], hyper: Any) -> None:
        self.units = list(units)
        self._slots = {
            slot: sorted((unit for unit in self.units if slot in unit.slots), key=lambda unit: unit.position(slot))
            for slot in SLOTS
        }
        self.reads_hidden = any(unit.reads_hidden for unit in self.units)
        self.configure(hyper)

    def of(self, slot: Slot) -> list[MemberUnit]:
        return self._slots[slot]

    def configure(self, hyper: Any) -> None:
        """After the members changed (some finished, or shards merged)."""
        for unit in self.units:
            unit.configure(hyper)

    def emitted(self, position: int) -> set[str]:
        """Every `loss/<name>` key the member at row `position` records."""
        return set().union(*(unit.emitted(position) for unit in self.of("loss_term")))

    def epoch_quantities(self, params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Every unit's (K,) quantities of the epoch, by name."""
        quantities: dict[str, torch.Tensor] = {}
        for unit in self.units:
            quantities.update(unit.epoch_quantities(params, buffers))
        return quantities

    def epoch_metrics(self, fetched: dict[str, list[list[float]]], position: int) -> dict[str, float]:
        """Every unit's metric keys for the member at row `position`."""
        metrics: dict[str, float] = {}
        for unit in self.units:
            metrics.update(unit.epoch_metrics(fetched, position))
        return metrics

    def final_summary(self, params: dict[str, torch.Tensor], position: int) -> dict[str, Any]:
        """Every unit's summary entries for the member at row `position`."""
        summary: dict[str, Any] = {}
        for unit in self.units:
            summary.update(unit.final_summary(params, position))
        return summary

    def find(self, kind: type | tuple[type, ...]) -> Any | None:
        """The unit of class `kind` (or of one of the classes), or None."""
        return next((unit for unit in self.units if isinstance(unit, kind)), None)
