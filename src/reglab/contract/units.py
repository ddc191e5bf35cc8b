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
| `weight_transform`   | the stacked weights after the step     | proximal L1, max-norm, pruning masks, the EMA, the trajectory's step rows |

Around the steps, the loop calls every unit's epoch hooks, again by none of their names
(`run` is the population: its stacked tensors, optimizer, schedule and data):

    lrs ← start_epoch(run, lrs)            before the first step (SWA holds its members' rate)
    ... the epoch's steps ...
    end_training(run)                       after the last step (SWA's average takes the weights)
    the loop evaluates val and test
    epoch_quantities(run)                   (K,) device tensors for the epoch's ONE host sync; a
                                            unit may change the weights here (a pruning round)
    epoch_metrics(MemberEpochEnd)           each member's metric keys, from the fetched floats
    select / absorb                         members finished / shards merged: rows leave / join
    member_state / load_member_state        a member's part of the checkpoint, and back
    final_summary, final_weights(MemberFinish)   a finished member's summary entries; the
                                            weights it ends with (EMA / SWA: its average)

The epoch hooks run in the units' `position("epoch_end")` order: the EMA evaluates its
averages before a pruning round prunes them, L1's `l1/zeros` counts after it, and the
trajectory measures last. Events (epoch ends, early stopping, stores) are
`reglab.contract.Callback`s fired per member with real records. A unit's per-member
numbers come from the step's `hyper` (each member's value, shape (K,)), so it never
holds a copy that goes stale when members finish; what it reads on the host (which
members use it) it reads in `configure`, called again whenever the population's members
change. A unit that keeps stacked per-member tensors (averages, masks, the trajectory's
reference weights) keeps their rows in step with the members through `select` and `absorb`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Literal, Sequence

import torch

__all__ = [
    "SLOTS",
    "MemberEpochEnd",
    "MemberFinish",
    "MemberStart",
    "MemberStep",
    "MemberUnit",
    "PopulationUnsupported",
    "Slot",
    "StepUnits",
]


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


@dataclass
class MemberEpochEnd:
    """One member at its epoch's end, as `epoch_metrics` sees it (host floats).

    Attributes:
        run: the population (`reglab.population.state.PopulationState`).
        fetched: every (K,) or (rows, K) epoch quantity, fetched: `fetched[name][position]`
            is this member's list of values.
        position: the member's row in the stacked tensors.
        member: its original index among the population's configs.
        epoch: the epoch that ended (1-based).
        history: its metric rows of the epochs before.
        metrics: its metric keys so far (the units before this one added theirs).
    """

    run: Any
    fetched: dict[str, list[list[float]]]
    position: int
    member: int
    epoch: int
    history: list[dict[str, float]]
    metrics: dict[str, float]


@dataclass
class MemberFinish:
    """A member that finished training, as `final_summary` and `final_weights` see it.

    Attributes:
        run: the population it trained in (its row is still stacked).
        position, member: its row and original index.
        weights: the state dict it ends with (its best epoch's under `restore_best`).
        history: its metric rows.
        folder: its run folder (None outside a store).
        model: its single-run module, holding `weights` (for `final_weights`).
        splits: its data (train, val, test tensors), or None.
    """

    run: Any
    position: int
    member: int
    weights: dict[str, torch.Tensor]
    history: list[dict[str, float]]
    folder: Any = None
    model: torch.nn.Module | None = None
    splits: Any = None


class MemberUnit:
    """Base class of a technique's step work for K members; override the slots you declare.

    Attributes:
        name: names the unit (and its loss terms, `loss/<name>`).
        slots: where it acts (see `SLOTS`).
        order: its place within each slot (lower first); a family's registry order by
            default, `slot_order` overrides it for single slots (and for the epoch hooks, "epoch_end").
        reads_hidden: the loop hands it the hidden blocks' outputs (`MemberStep.hidden`).
        regradients: the loop gives it `MemberStep.regradient` (a second pass, as SAM's).
        state_key: its part of a member's checkpoint is saved under this key (default `name`);
            two units of a population that keep state may not share one.
    """

    name: ClassVar[str] = "unit"
    slots: ClassVar[tuple[Slot, ...]] = ()
    slot_order: ClassVar[dict[str, int]] = {}
    reads_hidden: ClassVar[bool] = False
    regradients: ClassVar[bool] = False
    state_key: ClassVar[str] = ""
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

    # --- around the steps: epoch hooks, in `position("epoch_end")` order --------------------

    def start_epoch(self, run: Any, lrs: torch.Tensor) -> torch.Tensor:
        """Before the epoch's first step: the (steps + 1, K) learning rates it trains with."""
        return lrs

    def end_training(self, run: Any) -> None:
        """After the epoch's last step, before the loop evaluates val and test."""

    def epoch_quantities(self, run: Any) -> dict[str, torch.Tensor]:
        """(K,) or (rows, K) device tensors to fetch at the epoch's end, by name (fetched with
        everything else); a unit may change the weights here, after the evaluation."""
        return {}

    def epoch_metrics(self, end: MemberEpochEnd) -> dict[str, float]:
        """The metric keys of one member, from the fetched quantities."""
        return {}

    def apply_pruning(self, masks: dict[str, torch.Tensor]) -> None:
        """Pruning removed the entries where `masks` (stacked, by parameter name) are 0:
        zero them in the weights the unit keeps (EMA / SWA averages)."""

    def scheduled_epochs(self, epochs: int) -> int:
        """How many epochs the learning-rate schedule has run after `epochs` epochs (a lottery
        round restarts it); a resumed population winds its schedules forward so far."""
        return epochs

    # --- members leave and join ------------------------------------------------------------

    def select(self, index: torch.Tensor, positions: Sequence[int]) -> None:
        """Keep only the rows `positions` (`index` on the device) of the stacked state the unit keeps."""

    def absorb(self, others: Sequence["MemberUnit"]) -> None:
        """Take over the rows of the same unit of other shards (appended in their order)."""

    # --- checkpoints and the run folders -----------------------------------------------------

    def member_state(self, position: int, member: int, run: Any) -> dict[str, Any]:
        """The member's part of the unit's state for its checkpoint: tensors and JSON values
        ({}: the unit keeps none)."""
        return {}

    def load_member_state(self, position: int, member: int, saved: dict[str, Any], run: Any) -> None:
        """Take back what `member_state` gave, into row `position` of a population built anew."""

    def open_folders(self, folders: dict[int, Any], run: Any, resuming: bool) -> None:
        """The run folders exist (`folders[member]`): open files the unit writes as it trains."""

    # --- a member finishes ---------------------------------------------------------------------

    def final_summary(self, finish: MemberFinish) -> dict[str, Any]:
        """Summary entries of a member that finished."""
        return {}

    def final_weights(self, finish: MemberFinish) -> dict[str, Any]:
        """Load the weights the member ends with into `finish.model` when the unit chooses them
        (EMA / SWA: its average); summary entries ({}: the unit chooses none)."""
        return {}

    def changed_after_evaluation(self, epoch: int) -> bool:
        """Whether the unit changed the weights after epoch `epoch`'s evaluation (a pruning round):
        a member ending there is then evaluated again."""
        return False

    def position(self, slot: str) -> int:
        """Its place among the units of `slot` (a step slot, or "epoch_end" for the epoch hooks)."""
        return self.slot_order.get(slot, self.order)


def _check_state_keys(units: Sequence[MemberUnit]) -> None:
    """Refuse two stateful units keeping their checkpoint parts under one key (the second
    would overwrite the first in every checkpoint; EMA and SWA share theirs and never meet)."""
    keepers: dict[str, str] = {}
    for unit in units:
        if type(unit).member_state is MemberUnit.member_state:
            continue  # keeps no state
        key = unit.state_key or unit.name
        if key in keepers:
            raise ValueError(f"units {keepers[key]!r} and {unit.name!r} both keep their checkpoint state under {key!r}: give one its own state_key")
        keepers[key] = unit.name


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
        self._epoch_order = sorted(self.units, key=lambda unit: unit.position("epoch_end"))
        self.reads_hidden = any(unit.reads_hidden for unit in self.units)
        _check_state_keys(self.units)
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

    # --- the epoch hooks of every unit, in epoch order --------------------------------------

    def start_epoch(self, run: Any, lrs: torch.Tensor) -> torch.Tensor:
        for unit in self._epoch_order:
            lrs = unit.start_epoch(run, lrs)
        return lrs

    def end_training(self, run: Any) -> None:
        for unit in self._epoch_order:
            unit.end_training(run)

    def epoch_quantities(self, run: Any) -> dict[str, torch.Tensor]:
        """Every unit's quantities of the epoch, by name."""
        quantities: dict[str, torch.Tensor] = {}
        for unit in self._epoch_order:
            quantities.update(unit.epoch_quantities(run))
        return quantities

    def epoch_metrics(self, end: MemberEpochEnd) -> None:
        """Add every unit's metric keys for one member to `end.metrics`, each unit seeing those
        of the units before it."""
        for unit in self._epoch_order:
            end.metrics.update(unit.epoch_metrics(end))

    def apply_pruning(self, masks: dict[str, torch.Tensor]) -> None:
        for unit in self.units:
            unit.apply_pruning(masks)

    def scheduled_epochs(self, epochs: int) -> int:
        for unit in self.units:
            epochs = unit.scheduled_epochs(epochs)
        return epochs

    def select(self, index: torch.Tensor, positions: Sequence[int]) -> None:
        for unit in self.units:
            unit.select(index, positions)

    def absorb(self, others: Sequence["StepUnits"]) -> None:
        """Take over the members of other shards' units (built alike: unit i of each is the same unit)."""
        for position, unit in enumerate(self.units):
            unit.absorb([other.units[position] for other in others])

    def member_state(self, position: int, member: int, run: Any) -> dict[str, dict[str, Any]]:
        """Each stateful unit's part of a member's checkpoint, by the unit's `state_key`."""
        states = {}
        for unit in self.units:
            state = unit.member_state(position, member, run)
            if state:
                states[unit.state_key or unit.name] = state
        return states

    def load_member_state(self, position: int, member: int, saved: dict[str, dict[str, Any]], run: Any) -> None:
        for unit in self.units:
            key = unit.state_key or unit.name
            if saved.get(key) is not None:
                unit.load_member_state(position, member, saved[key], run)

    def open_folders(self, folders: dict[int, Any], run: Any, resuming: bool) -> None:
        for unit in self.units:
            unit.open_folders(folders, run, resuming)

    def final_summary(self, finish: MemberFinish) -> dict[str, Any]:
        """Every unit's summary entries for a finished member."""
        summary: dict[str, Any] = {}
        for unit in self.units:  # in family order: pruning's `sparsity` (its masks) wins over L1's
            summary.update(unit.final_summary(finish))
        return summary

    def final_weights(self, finish: MemberFinish) -> dict[str, Any]:
        summary: dict[str, Any] = {}
        for unit in self.units:
            summary.update(unit.final_weights(finish))
        return summary

    def changed_after_evaluation(self, epoch: int) -> bool:
        return any(unit.changed_after_evaluation(epoch) for unit in self.units)

    def find(self, kind: type | tuple[type, ...]) -> Any | None:
        """The unit of class `kind` (or of one of the classes), or None."""
        return next((unit for unit in self.units if isinstance(unit, kind)), None)
