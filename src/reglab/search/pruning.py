"""Optuna pruning of reglab runs and population members: report each epoch, stop when told.

A `TrialPruner` is the per-member epoch hook of `reglab.train_population`
(`on_member_epoch`) and, through `reglab.sweep.member_epochs.single_run_callback`, an
ordinary `Callback` of `reglab.train`: after each epoch it reports the objective metric
to the member's trial (`trial.report(value, epoch)`) and returns the decision as a
function, which the population calls once every member has reported the epoch
(`reglab.population.epoch_end`), so the pruner may compare a member with its batch-mates
at that epoch and no member's fate depends on its place in the batch; a single run calls
it at once. When the study's pruner says so (`trial.should_prune()`), the decision is a
`Stop` with status `pruned`: the member stops after that epoch, keeps every epoch it
trained, and leaves its population. (A large CPU population trained as several shards
decides shard by shard: the members of later shards have not reported the epoch yet.)

On a Ray worker, which cannot reach the driver's study, `MirrorPruner` builds the same
decision from a copy: an in-memory study holding the trials finished when the batch
was asked (same study name and trial numbers, which the hyperband pruner's brackets
depend on) and the batch's own trials.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from reglab.contract.events import Stop

__all__ = ["TrialPruner", "MirrorPruner"]


class TrialPruner:
    """Reports members' epochs to their trials; a `Stop(status="pruned")` when the pruner prunes.

    Args:
        trials: the Optuna trial of each member, in member order.
        metric: the objective's metric key (e.g. val/acc).
        pruner: the pruner's name, kept in the run summary's stop criterion.
    """

    def __init__(self, trials: Sequence[Any], metric: str, pruner: str) -> None:
        self.trials = list(trials)
        self.metric = metric
        self.pruner = pruner
        self.reported: list[set[int]] = [set() for _ in self.trials]  # epochs reported, per member

    def __call__(self, member: int, metrics: Mapping[str, float]) -> Callable[[], Stop | None] | None:
        value = metrics.get(self.metric)
        if value is None or value != value:
            return None
        epoch = int(metrics["epoch"])
        trial = self.trials[member]
        trial.report(float(value), epoch)
        self.reported[member].add(epoch)
        return lambda: self.decide(member, epoch, float(value))

    def decide(self, member: int, epoch: int, value: float) -> Stop | None:
        """The pruner's word on `member` after `epoch`, asked once its batch-mates reported the epoch too."""
        if self.trials[member].should_prune():
            return Stop(f"pruned by the {self.pruner} pruner after epoch {epoch} ({self.metric} {value:.4g})", status="pruned", criterion=self.pruner)
        return None


class MirrorPruner:
    """Builds, on a worker, a TrialPruner over an in-memory copy of the study (see the module docstring).

    Args:
        study_name: the study's name.
        direction: maximize | minimize.
        pruner: none | median | hyperband.
        epochs: the members' epochs (hyperband's max resource).
        earlier: every trial numbered below the batch's first, as FrozenTrials.
        size: the batch's trials.
        metric: the objective metric.
    """

    def __init__(self, study_name: str, direction: str, pruner: str, epochs: int, earlier: Sequence[Any], size: int, metric: str) -> None:
        self.study_name, self.direction, self.pruner, self.epochs = study_name, direction, pruner, epochs
        self.earlier, self.size, self.metric = list(earlier), size, metric

    def __call__(self) -> TrialPruner:
        import optuna
        from optuna.trial import TrialState, create_trial

        from reglab.search.study import make_pruner

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(study_name=self.study_name, direction=self.direction, pruner=make_pruner(optuna, self.pruner, self.epochs))
        for trial in self.earlier:
            if trial.state in (TrialState.COMPLETE, TrialState.PRUNED):
                study.add_trial(trial)
            else:  # asked elsewhere and not finished: a placeholder keeps the numbering
                study.add_trial(create_trial(state=TrialState.FAIL))
        return TrialPruner([study.ask() for _ in range(self.size)], self.metric, self.pruner)
