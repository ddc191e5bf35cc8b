"""Events, the records callbacks read, and the stop signal they may return.

Callbacks READ an immutable record and RETURN metrics (`dict[str, float]`), a
`Stop`, or None. They never reach into the loop. Their order is fixed by `kind`:
modifiers (pruning, averaging) → observers (trajectory, early stopping) → sinks
(store, progress).

| event        | record       | when                                        |
|--------------|--------------|---------------------------------------------|
| fit_start    | FitRecord    | once, before the first epoch                |
| epoch_start  | EpochRecord  | before each epoch's first step              |
| step_end     | StepRecord   | every `step_every` optimizer steps, if set  |
| eval_end     | EpochRecord  | after an epoch's validation and test passes |
| epoch_end    | EpochRecord  | after eval_end, for every callback          |
| fit_end      | FitRecord    | once, after the last epoch or a stop        |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Literal, Mapping, Sequence

import torch

__all__ = ["Event", "Callback", "Stop", "FitRecord", "EpochRecord", "StepRecord", "KIND_ORDER", "frozen"]

Metrics = dict[str, float]


class Event(str, Enum):
    FIT_START = "fit_start"
    EPOCH_START = "epoch_start"
    STEP_END = "step_end"
    EPOCH_END = "epoch_end"
    EVAL_END = "eval_end"
    FIT_END = "fit_end"


KIND_ORDER = {"modifier": 0, "observer": 1, "sink": 2}


def frozen(metrics: Mapping[str, float]) -> Mapping[str, float]:
    """A read-only view of a metrics dict."""
    return MappingProxyType(dict(metrics))


@dataclass(frozen=True)
class Stop:
    """Returned by a callback to end training after this epoch.

    Attributes:
        reason: a short human explanation (kept in the run summary).
        status: the run's final status: stopped_early, diverged or pruned (an Optuna pruner).
        criterion: the rule that fired (e.g. "patience", "GL_5").
        metrics: this epoch's metrics from the same callback (kept in the epoch's row).
    """

    reason: str
    status: Literal["stopped_early", "diverged", "pruned"] = "stopped_early"
    criterion: str = ""
    metrics: Mapping[str, float] = field(default_factory=dict)


class _MemberWeights:
    """The `state_dict` of the records: the member's weights (views) when the record
    carries them, else the model's own."""

    weights: Mapping[str, torch.Tensor] | None
    model: torch.nn.Module | None

    def state_dict(self) -> Mapping[str, torch.Tensor]:
        """This member's (or run's) weights as a state dict, whichever the record carries."""
        if self.weights is not None:
            return self.weights
        return self.model.state_dict()


@dataclass(frozen=True)
class FitRecord(_MemberWeights):
    """What callbacks see at fit_start and fit_end."""

    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    config: Any
    data: Any
    epochs_done: int = 0
    history: Sequence[Mapping[str, float]] = ()
    stop: Stop | None = None
    run_id: str | None = None
    run_dir: Path | None = None  # the run's artifact folder (None when not stored)
    member: int | None = None  # the member's index among its population's configs
    weights: Mapping[str, torch.Tensor] | None = None  # the member's weights (views)


@dataclass(frozen=True)
class EpochRecord(_MemberWeights):
    """What callbacks see at epoch_start and epoch_end (metrics empty at epoch_start).

    Every run is a member of a population (a single run is a population of one):
    `member` is its index among the population's configs; `weights` is its state dict
    under the model's own names and `model` an ordinary `nn.Module` whose parameters and
    buffers are the same views of its rows of the stacked tensors (valid during the call:
    copy what you keep); `optimizer_state` is its optimizer's state (e.g.
    `"hidden.0.linear.weight.momentum_buffer"`, plus `step`, `lr` and `momentum`).
    `optimizer` is None: one stacked update steps every member.
    """

    epoch: int
    step: int
    model: torch.nn.Module | None
    optimizer: torch.optim.Optimizer | None
    metrics: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    history: Sequence[Mapping[str, float]] = ()
    data: Any = None
    member: int | None = None
    weights: Mapping[str, torch.Tensor] | None = None
    optimizer_state: Mapping[str, torch.Tensor] | None = None


@dataclass(frozen=True)
class StepRecord(_MemberWeights):
    """What callbacks see at step_end (loss stays a device tensor: no sync per step).

    One record per member, as `EpochRecord`: `member`, `model` and `weights` (views),
    `optimizer_state` (with this step's `lr` and `momentum`), `loss` its loss of the step."""

    epoch: int
    step: int
    batch_in_epoch: int
    batches_per_epoch: int
    model: torch.nn.Module | None
    optimizer: torch.optim.Optimizer | None
    loss: torch.Tensor
    member: int | None = None
    weights: Mapping[str, torch.Tensor] | None = None
    optimizer_state: Mapping[str, torch.Tensor] | None = None


class Callback:
    """Base class: override the events you handle.

    Attributes:
        kind: modifier | observer | sink; fixes the order callbacks run in.
        step_every: call `on_step_end` every this many steps (None = never).
    """

    kind: ClassVar[str] = "observer"
    step_every: int | None = None
    # False for units whose state between epochs is not saved by `state_dict` yet:
    # a run using one cannot be resumed from its checkpoint (`reglab train --resume`).
    resumable: ClassVar[bool] = True
    # True for units that read only what a record carries (its metrics, `state_dict()`,
    # `optimizer_state`, `member`), never `record.model` or `record.optimizer`: a
    # population runs such a unit of each member's config as it is, fed that member's
    # records (`reglab.population.callbacks`). One unit, K = 1 and K members alike.
    record_only: ClassVar[bool] = False
    # True for a callback that holds ONE run's state between events (early stopping's best
    # and wait, a tracking sink's run): a population gives each member after the first its
    # own copy, so members never share it; the object you pass follows the first member.
    one_run: ClassVar[bool] = False

    def state_dict(self) -> dict[str, Any]:
        """What this unit carries from one epoch to the next (tensors or JSON values), saved
        in the run's checkpoint at every epoch end. Stateless units return {}."""
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Take back what `state_dict` returned (called after `on_fit_start` on resume)."""

    def on_fit_start(self, record: FitRecord) -> Metrics | None:
        return None

    def on_epoch_start(self, record: EpochRecord) -> None:
        return None

    def on_step_end(self, record: StepRecord) -> Metrics | None:
        return None

    def on_eval_end(self, record: EpochRecord) -> Metrics | None:
        """After the epoch's validation and test passes, before `on_epoch_end`; the record
        holds the epoch's training and evaluation metrics. Returned metrics join the row."""
        return None

    def on_epoch_end(self, record: EpochRecord) -> Metrics | Stop | None:
        return None

    def on_fit_end(self, record: FitRecord) -> Mapping[str, Any] | None:
        """Return entries for the run summary (or None)."""
        return None
