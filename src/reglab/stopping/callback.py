"""Early stopping inside a run: the criterion as an observer, the best weights restored by a modifier.

What each criterion reads, once per epoch after evaluation:

* `patience` and `threshold` read the monitored metric (`early_stopping.monitor`,
  default `val/loss`; `mode: auto` = max when the name contains "acc", else min).
* GL, PQ and UP read errors, as Prechelt defines them: E_tr = 1 − `train/acc` and
  E_va = 1 − `val/acc` when the run records accuracies (classification, binary),
  else E_tr = `train/loss` and E_va = `val/loss` (regression). `train/acc` is the
  running accuracy over the epoch's (possibly augmented) training batches.

The first `start_from_epoch` epochs are a warm-up (Keras semantics): they are not fed
to the criterion, cannot stop the run and cannot be the best epoch. With
`restore_best`, the weights of the best monitored epoch (first one on ties) are kept
on the device and loaded back at fit end, so `final_eval` and the saved weights are
theirs; the kept copy is taken after that epoch's modifiers (e.g. a pruning round).

Metric and summary keys: see `EarlyStopping`.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Mapping

import torch

from reglab.config.errors import ConfigError
from reglab.contract.state import load_plain_state, plain_state
from reglab.contract.events import Callback, EpochRecord, FitRecord, Stop
from reglab.pruning.masks import is_pruned, make_pruning_permanent, pruned_state_dict
from reglab.stopping.criteria import Patience, StoppingCriterion

__all__ = ["EarlyStopping", "RestoreBest", "resolve_mode", "prechelt_errors"]


def resolve_mode(monitor: str, mode: str) -> Literal["min", "max"]:
    """`auto` -> max for names containing "acc" (accuracies), min otherwise.

    Example:
        >>> resolve_mode("val/acc", "auto"), resolve_mode("val/loss", "auto")
        ('max', 'min')
    """
    if mode == "auto":
        return "max" if "acc" in monitor else "min"
    if mode not in ("min", "max"):
        raise ConfigError("early_stopping.mode", mode, "min | max | auto")
    return mode  # type: ignore[return-value]


def prechelt_errors(metrics: Mapping[str, float]) -> tuple[float, float]:
    """(E_tr, E_va): 1 − accuracy when train/acc and val/acc exist, else the losses."""
    if "train/acc" in metrics and "val/acc" in metrics:
        return 1.0 - metrics["train/acc"], 1.0 - metrics["val/acc"]
    if "val/loss" not in metrics:
        raise ConfigError("early_stopping.criterion", "gl/pq/up", "a run with a validation split (data.val_size > 0)")
    return metrics["train/loss"], metrics["val/loss"]


class EarlyStopping(Callback):
    """Stops the run when its criterion or threshold fires (observer); tracks the best epoch.

    Metric keys (per epoch, the stopping epoch included; its values are also `stop_values`):

    | key                    | when                     | meaning                                       |
    |------------------------|--------------------------|-----------------------------------------------|
    | `stopping/best`        | every monitored epoch    | best monitored value so far                   |
    | `stopping/wait`        | patience                 | epochs since the last improvement             |
    | `stopping/gl`          | gl, pq, up               | GL(t) = 100·(E_va(t)/E_opt(t) − 1)            |
    | `stopping/progress`    | pq, at strip ends        | P_k(t), training progress per mille           |
    | `stopping/pq`          | pq, at strip ends        | GL(t)/P_k(t)                                  |
    | `stopping/up_strips`   | up, at strip ends        | successive strips with a rise of E_va         |

    Summary keys:

    | key               | meaning                                                                |
    |-------------------|------------------------------------------------------------------------|
    | `stop_epoch`      | epoch after which the criterion stopped the run (null: it did not)     |
    | `stop_criterion`  | `patience`, `GL_<α>`, `PQ_<α>`, `UP_<s>` or `threshold` (null: none)   |
    | `stop_values`     | the `stopping/*` values of the stopping epoch                          |
    | `best_epoch`      | best epoch by the monitor (replaces the run's default choice), with    |
    | `best_monitor`    | the monitor's name and                                                 |
    | `best`            | that epoch's metrics                                                   |
    | `restored_epoch`  | epoch whose weights the run ends with (null without `restore_best`)    |
    | `epochs_saved`    | planned epochs − stop epoch (0 when the run was not stopped)           |

    Args:
        criterion: a `Patience`, `GL`, `PQ` or `UP` (None: only threshold / best tracking).
        monitor: metric key read by patience, threshold and best-epoch tracking.
        mode: min | max | auto.
        start_from_epoch: warm-up epochs ignored entirely.
        threshold: stop once the monitored value reaches it (≤ in mode min, ≥ in max).
        keep_best: keep a device copy of the best epoch's weights (for `RestoreBest`).
        planned_epochs: the epochs the run would train without a stop (default: the run
            config's `epochs`); a criterion firing at that epoch does not stop the run, which
            then completes.

    Example:
        >>> stopper = EarlyStopping(GL(alpha=5.0), monitor="val/loss")
        >>> reglab.train(config, callbacks=[stopper])

    Reference:
        Prechelt 1998, Early Stopping — But When? (see `reglab.stopping.criteria`).
    """

    kind = "observer"
    one_run = True  # one run's state: a population copies it per member

    def __init__(
        self,
        criterion: StoppingCriterion | None,
        monitor: str = "val/loss",
        mode: str = "auto",
        start_from_epoch: int = 0,
        threshold: float | None = None,
        keep_best: bool = False,
        planned_epochs: int | None = None,
    ) -> None:
        self.criterion, self.monitor, self.mode = criterion, monitor, resolve_mode(monitor, mode)
        self.start_from_epoch, self.threshold, self.keep_best = start_from_epoch, threshold, keep_best
        self.planned_epochs = planned_epochs
        self.best_value: float | None = None
        self.best_epoch: int | None = None
        self.best_state: dict[str, torch.Tensor] | None = None
        self.restored_epoch: int | None = None
        self.stop_epoch: int | None = None
        self.stop_name: str | None = None
        self.stop_values: dict[str, float] = {}

    def _monitored(self, metrics: Mapping[str, float]) -> float:
        if self.monitor not in metrics:
            available = sorted(key for key in metrics if key != "epoch")
            raise ConfigError("early_stopping.monitor", self.monitor, f"a metric of this run: {', '.join(available)}")
        return float(metrics[self.monitor])

    def _is_better(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.best_value is None:
            return True
        return value < self.best_value if self.mode == "min" else value > self.best_value

    def _reached_threshold(self, value: float) -> bool:
        if self.threshold is None:
            return False
        return value <= self.threshold if self.mode == "min" else value >= self.threshold

    def on_fit_start(self, record: FitRecord) -> None:
        if self.planned_epochs is None:
            self.planned_epochs = getattr(record.config, "epochs", None)
        return None

    def on_epoch_end(self, record: EpochRecord) -> dict[str, float] | Stop:
        if record.epoch <= self.start_from_epoch:
            return {}
        value = self._monitored(record.metrics)
        if self._is_better(value):
            self.best_value, self.best_epoch = value, record.epoch
            if self.keep_best:
                weights = record.weights if record.weights is not None else pruned_state_dict(record.model)
                self.best_state = {name: t.detach().clone() for name, t in weights.items()}
        fired = None
        metrics: dict[str, float] = {}
        if self.criterion is not None:
            # patience watches the monitor; Prechelt's criteria watch errors (module docstring)
            if isinstance(self.criterion, Patience):
                train_error, val_error = math.nan, value
            else:
                train_error, val_error = prechelt_errors(record.metrics)
            if self.criterion.step(train_error, val_error):
                fired = self.criterion.name
            metrics = {f"stopping/{key}": v for key, v in self.criterion.values().items() if not math.isnan(v)}
        if self.best_value is not None:
            metrics["stopping/best"] = self.best_value
        if fired is None and self._reached_threshold(value):
            fired = "threshold"
        if fired is None or (self.planned_epochs is not None and record.epoch >= self.planned_epochs):
            return metrics  # a stop after the last planned epoch saves nothing: the run completes
        self.stop_epoch, self.stop_name, self.stop_values = record.epoch, fired, metrics
        reason = f"{fired} fired after epoch {record.epoch} ({self.monitor} = {value:.6g})"
        return Stop(reason, "stopped_early", fired, metrics)

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "rule": plain_state(self.criterion) if self.criterion is not None else None,
            "progress": plain_state(_Progress(self)),
        }
        for name, tensor in (self.best_state or {}).items():
            state[f"best_state/{name}"] = tensor
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        if self.criterion is not None and state.get("rule") is not None:
            load_plain_state(self.criterion, state["rule"])
        load_plain_state(self, state["progress"])
        best = {key.removeprefix("best_state/"): value for key, value in state.items() if key.startswith("best_state/")}
        self.best_state = best or None

    def on_fit_end(self, record: FitRecord) -> Mapping[str, Any]:
        planned = self.planned_epochs
        summary: dict[str, Any] = {
            "stop_epoch": self.stop_epoch,
            "stop_criterion": self.stop_name,
            "stop_values": self.stop_values,
            "restored_epoch": self.restored_epoch,
            "epochs_saved": (planned - self.stop_epoch) if (self.stop_epoch and planned) else 0,
        }
        if self.best_epoch is not None:
            rows = [row for row in record.history if row.get("epoch") == self.best_epoch]
            summary.update(best_epoch=self.best_epoch, best_monitor=self.monitor, best=dict(rows[0]) if rows else {})
        return summary


class _Progress:
    """The plain fields of an `EarlyStopping` that change while training (for its checkpoint)."""

    def __init__(self, stopper: EarlyStopping) -> None:
        for name in ("best_value", "best_epoch", "restored_epoch", "stop_epoch", "stop_name", "stop_values"):
            setattr(self, name, getattr(stopper, name))


class RestoreBest(Callback):
    """Loads the best epoch's weights kept by an `EarlyStopping` back at fit end (modifier, E_opt).

    A modifier so that the restored weights are in place before observers summarise the
    run (pruning sparsity) and before `final_eval`. It runs after the modifiers listed
    before it (pruning makes its masks permanent first; a weight average is replaced).
    A model still carrying pruning masks is made plain before loading.

    Example:
        >>> stopper = EarlyStopping(Patience(5), keep_best=True)
        >>> reglab.train({..., "early_stopping": {"criterion": "patience", "restore_best": True}})
    """

    kind = "modifier"
    one_run = True  # one run's state: a population copies it per member

    def __init__(self, stopper: EarlyStopping) -> None:
        self.stopper = stopper

    def on_fit_end(self, record: FitRecord) -> None:
        state = self.stopper.best_state
        if state is None:
            return None
        if is_pruned(record.model):
            make_pruning_permanent(record.model)
        record.model.load_state_dict(state)
        self.stopper.restored_epoch = self.stopper.best_epoch
        return None
