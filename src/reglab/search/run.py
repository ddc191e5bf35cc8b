"""`run_search`: a sweep run as an Optuna study, batch by batch (ask-and-tell).

    open the study (journal file beside the store) → settle trials a killed run left
    running → until `samples` trials are done:
        ask `batch` trials → their configs → train them as one population
        (members report each epoch; the pruner may stop them) → record → tell

A trial whose config already has a finished run in the store is told from that run
instead of training again. A trial left running by a killed process is told from
its run when the run was recorded, else marked failed and its parameters asked
again first, so every trial is trained once. With `--backend ray`, several batches
train at once, one Ray task each, as many as the cluster's CPUs (and GPUs) allow.

Pruning decisions are taken once every member of a batch has reported the epoch, so a
member may be compared with its batch-mates (`reglab.search.median`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from reglab.config import Config, ConfigError, load_config
from reglab.search.options import Objective
from reglab.search.pruning import MirrorPruner, TrialPruner
from reglab.search.space import SearchSpace, search_space
from reglab.search.study import open_study, require_optuna, study_path
from reglab.search.tell import DONE_ATTR, tell_failure, tell_run
from reglab.store import FINAL_STATUSES, RunStore, config_hash, default_store_dir
from reglab.sweep.progress import SweepProgress
from reglab.sweep.resume import drop_partial_runs
from reglab.sweep.runner import SweepResult, preflight
from reglab.sweep.spec import SweepSpec

__all__ = ["run_search", "SEARCH_BACKENDS"]

SEARCH_BACKENDS = ("sequential", "population", "ray")
_SPLITS = ("train", "val", "test")


class _Search:
    """One `run_search` call: the study, the store and how trials become configs."""

    def __init__(self, spec: SweepSpec, space: SearchSpace, objective: Objective, store: RunStore, study: Any) -> None:
        self.spec, self.space, self.objective, self.store, self.study = spec, space, objective, store, study
        self.base = {"name": spec.name, **spec.base}
        self.failures: list[str] = []
        self.answered = 0  # trials told from a stored run of their config (not trained)

    def config(self, params: dict[str, Any]) -> Config:
        return load_config(base=self.base, overrides=list(self.space.values(params).items()))

    def finished_runs(self) -> dict[str, Any]:
        """config hash -> this sweep's run with a final status."""
        return {config_hash(run.config): run for run in self.store.runs(sweep=self.spec.name) if run.status in FINAL_STATUSES}

    def done(self) -> int:
        from optuna.trial import TrialState

        return sum(
            1
            for trial in self.study.get_trials(deepcopy=False)
            if trial.state in (TrialState.COMPLETE, TrialState.PRUNED) or (trial.state == TrialState.FAIL and trial.user_attrs.get(DONE_ATTR))
        )

    def settle_running(self) -> int:
        """Trials a killed run left running: told from their stored run, or failed and asked again."""
        import optuna
        from optuna.trial import TrialState

        finished = self.finished_runs()
        again: set[str] = set()
        for frozen in self.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            trial = optuna.trial.Trial(self.study, frozen._trial_id)
            key = config_hash(self.config(frozen.params).to_dict())
            if key in finished:
                run = finished[key]
                tell_run(self.study, trial, run.status, self.store.history(run.id), self.objective, run.id, set(frozen.intermediate_values))
            else:
                self.study.tell(trial, state=TrialState.FAIL)
                self.study.enqueue_trial(dict(frozen.params))
                again.add(key)
        partial = [run.id for run in self.store.runs(sweep=self.spec.name) if run.status in ("interrupted", "failed", "running") and config_hash(run.config) in again]
        drop_partial_runs(self.store, partial)
        return len(again)

    def ask(self, size: int) -> tuple[list[Any], list[Config]]:
        """`size` new trials and their configs; trials whose config already ran are told from the store."""
        trials, configs = [], []
        finished = self.finished_runs()
        for _ in range(size):
            trial = self.study.ask(self.space.distributions)
            config = self.config(trial.params)
            run = finished.get(config_hash(config.to_dict()))
            if run is not None:
                tell_run(self.study, trial, run.status, self.store.history(run.id), self.objective, run.id)
                self.answered += 1
                continue
            trials.append(trial)
            configs.append(config)
        return trials, configs

    def tell(self, trial: Any, outcome: Any, reported: set[int] | None) -> None:
        if isinstance(outcome, BaseException):
            self.failures.append(f"trial {trial.number} ({' '.join(f'{k}={v}' for k, v in self.space.values(trial.params).items())}): {type(outcome).__name__}: {outcome}")
            tell_failure(self.study, trial, outcome)
        else:
            tell_run(self.study, trial, outcome.status, outcome.history, self.objective, outcome.id, reported)


def _check(spec: SweepSpec, space: SearchSpace, objective: Objective, backend: str) -> Config:
    """Bad input fails here in one line, before the store is touched; returns a first config."""
    if backend not in SEARCH_BACKENDS:
        raise ConfigError("--backend", backend, f"{' | '.join(SEARCH_BACKENDS)} (method {spec.method} trains batches of trials)")
    if not space.distributions:
        raise ConfigError("parameters", dict(spec.parameters), "at least one key with several values or a distribution to search")
    if objective.metric.split("/")[0] not in _SPLITS or "/" not in objective.metric:
        raise ConfigError("objective.metric", objective.metric, "a per-epoch metric such as val/acc, val/loss, test/acc, train/loss")
    base = {"name": spec.name, **spec.base}
    configs: list[Config] = []
    for key, distribution in space.distributions.items():
        choices = getattr(distribution, "choices", None)
        ends = [space.values({key: choice})[key] for choice in choices] if choices else [distribution.low, distribution.high]
        configs.extend(load_config(base=base, overrides=[(key, value)]) for value in ends)
    first = {key: (d.choices[0] if hasattr(d, "choices") else d.low) for key, d in space.distributions.items()}
    config = load_config(base=base, overrides=list(space.values(first).items()))
    from reglab.sweep.expand import SweepPoint

    preflight([SweepPoint({}, config, "")])
    return config


def run_search(
    spec: SweepSpec,
    *,
    backend: str,
    store: RunStore | str | Path | None = None,
    console: Console | None = None,
    quiet: bool = False,
    address: str | None = None,
) -> SweepResult:
    """Run (or continue) the sweep's Optuna study until `samples` trials are done.

    Raises:
        ConfigError: bad input, or a missing extra (optuna, ray), before anything is written.
    """
    require_optuna()
    if backend == "ray":
        from reglab.sweep.backends.ray_backend import require_ray

        require_ray()
    space = search_space(spec)
    objective = spec.objective or Objective()
    first = _check(spec, space, objective, backend)
    run_store = store if isinstance(store, RunStore) else RunStore(Path(store) if store is not None else default_store_dir())
    study = open_study(run_store.directory, spec.name, spec.method, spec.pruner, objective.direction, spec.seed, first.epochs)
    search = _Search(spec, space, objective, run_store, study)
    again = search.settle_running()
    samples, batch = spec.samples or 1, spec.batch or 1
    before = search.done()
    output = console or Console(highlight=False)
    progress = SweepProgress(spec.name, samples, min(before, samples), output, enabled=not quiet)
    progress.note(
        f"sweep {spec.name}: Optuna {spec.method} study of {samples} trials ({before} done"
        + (f", {again} cut short to train again" if again else "")
        + f"), batches of {batch}"
        + f", pruner {spec.pruner}, backend {backend}; study in {study_path(run_store.directory, spec.name)}"
    )
    with progress:
        if backend == "ray":
            options = spec.ray if address is None else spec.ray.model_copy(update={"address": address})
            _search_on_ray(search, samples, batch, options, progress)
        else:
            population = spec.population.model_dump() if backend == "population" else None
            _search_here(search, samples, batch, population, progress)
    statuses: dict[str, int] = {}
    for run in run_store.runs(sweep=spec.name):
        statuses[run.status] = statuses.get(run.status, 0) + 1
    after = search.done()
    return SweepResult(spec.name, samples, min(before, samples), after - before - search.answered, statuses, search.failures,
                       answered=search.answered)


def _search_here(search: _Search, samples: int, batch: int, population: dict[str, Any] | None, progress: SweepProgress) -> None:
    """Batches trained in this process: one population each (or one run after another)."""
    from reglab.sweep.backends.hooked_batch import train_batch
    from reglab.sweep.member_epochs import MemberShares

    while (done := search.done()) < samples:
        size = min(batch, samples - done)
        trials, configs = search.ask(size)
        if len(trials) < size:  # told from runs already in the store
            progress.skip(size - len(trials))
        if not trials:
            continue
        pruner = TrialPruner(trials, search.objective.metric, search.spec.pruner)
        shares = MemberShares(progress)  # each trial's epochs shown as parts of its config

        def finished(index: int, outcome: Any) -> None:
            search.tell(trials[index], outcome, pruner.reported[index])
            progress.advance(settled=shares.settle(index))

        hook = shares.hook([config.epochs for config in configs], pruner)
        train_batch(configs, search.store, search.spec.name, population, hook, on_run=finished)


def _slots(ray: Any, options: Any) -> int:
    resources = ray.cluster_resources()
    slots = resources.get("CPU", 1) / options.cpus_per_task
    if options.gpus_per_task:
        slots = min(slots, resources.get("GPU", 0) / options.gpus_per_task)
    return max(1, int(slots))


def _search_on_ray(search: _Search, samples: int, batch: int, options: Any, progress: SweepProgress) -> None:
    """Batches as Ray tasks, as many at once as the cluster fits; members stored as their epochs come, completed as tasks return."""
    from reglab.sweep.backends.ray_backend import ray_session, remote_trainer
    from reglab.sweep.backends.remote_members import record_member
    from reglab.sweep.backends.remote_progress import POLL_SECONDS, TaskProgress

    spec = search.spec
    population = spec.population.model_dump()
    with ray_session(options) as ray:
        trainer = remote_trainer(ray, options)
        tasks = TaskProgress(ray, progress, search.store, spec.name)
        slots = _slots(ray, options)
        pending: dict[Any, tuple[int, list[Any]]] = {}
        submitted = 0
        try:
            while True:
                while len(pending) < slots and (left := samples - search.done() - sum(len(trials) for _, trials in pending.values())) > 0:
                    size = min(batch, left)
                    trials, configs = search.ask(size)
                    if len(trials) < size:  # told from runs already in the store
                        progress.skip(size - len(trials))
                    if not trials:
                        continue
                    earlier = [trial for trial in search.study.get_trials(deepcopy=False) if trial.number < trials[0].number]
                    mirror = MirrorPruner(spec.name, search.objective.direction, spec.pruner, configs[0].epochs, earlier, len(trials), search.objective.metric)
                    task, submitted = submitted, submitted + 1
                    mappings = [config.to_dict() for config in configs]
                    ref = trainer.remote(mappings, spec.name, population, options.torch_threads, tasks.reporter(task, mappings, mirror))
                    pending[ref] = (task, trials)
                if not pending:
                    return
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=POLL_SECONDS)
                tasks.poll()
                if not ready:
                    continue
                task, trials = pending.pop(ready[0])
                try:
                    results = ray.get(ready[0])
                except Exception as error:  # a lost worker or a failed task: its trials fail and new ones are asked
                    from optuna.trial import TrialState

                    search.failures.append(f"task of {len(trials)} trials: {type(error).__name__}: {error}")
                    for trial in trials:
                        search.study.tell(trial, state=TrialState.FAIL)
                    progress.step(-tasks.finish(task, "failed", f"{type(error).__name__}: {error}"))  # asked again: take back their epochs
                    continue
                for member, (trial, result) in enumerate(zip(trials, results)):
                    if isinstance(result, BaseException):
                        search.tell(trial, result, None)
                        tasks.end_run(task, member, "failed", f"{type(result).__name__}: {result}")
                    else:
                        run_id = record_member(search.store, spec.name, result, tasks.live_run(task, member))
                        tell_run(search.study, trial, result.status, result.history, search.objective, run_id)
                    progress.advance(settled=tasks.settle(task, member))
                tasks.finish(task)
        except BaseException:
            for ref, (task, _) in pending.items():
                ray.cancel(ref, force=True)
                tasks.finish(task, "interrupted", "the search was stopped")
            raise
