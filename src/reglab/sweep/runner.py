"""`run_sweep`: expand a sweep file, skip what the store already holds, train the rest.

    expand (every config validated) → pre-flight (one build per group: bad input fails
    before the store is touched) → resume plan → backend (each config claimed in the
    store before it trains) → summary

Several processes may run the same sweep on one store at once: the claims
(`reglab.store.claims`) make each config train once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from reglab.config import ConfigError
from reglab.store import RunStore, default_store_dir
from reglab.store.sqlite import DATABASE_NAME
from reglab.search.options import uses_optuna
from reglab.sweep.backends import BACKEND_FUNCTIONS, SweepContext
from reglab.sweep.backends.ray_backend import require_ray
from reglab.sweep.expand import SweepPoint, expand_sweep
from reglab.sweep.progress import SweepProgress
from reglab.sweep.resume import ResumePlan, drop_partial_runs, plan_resume
from reglab.sweep.spec import BACKENDS, SweepSpec, load_sweep

__all__ = ["SweepResult", "run_sweep", "preflight"]


@dataclass
class SweepResult:
    """What a `run_sweep` call did.

    Attributes:
        name: the sweep.
        total: configs in the sweep.
        skipped: configs already done before this call.
        trained: configs trained by this call (including failed ones).
        elsewhere: configs of the plan that another process claimed or finished meanwhile.
        answered: trials of a search told from a stored run of the same config (a
            categorical space repeats configs), not trained again.
        statuses: run status -> number of this sweep's runs in the store after the call.
        failures: one line per config that raised.
    """

    name: str
    total: int
    skipped: int
    trained: int
    statuses: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    elsewhere: int = 0
    answered: int = 0


def preflight(points: list[SweepPoint]) -> None:
    """Build the first config of each population group as its run builds it (data, model,
    optimizer, schedule, techniques), so a missing file or an impossible combination fails
    before any training.

    Raises:
        ConfigError: the first bad input found.
    """
    from reglab.population import population_key
    from reglab.population.build import build_population

    seen: set[str] = set()
    for point in points:
        key = population_key(point.config)
        if key not in seen:
            seen.add(key)
            build_population([point.config], "independent", "stacked")


def run_sweep(
    spec: SweepSpec | str | Path | dict[str, Any],
    *,
    backend: str | None = None,
    store: RunStore | str | Path | None = None,
    workers: int | None = None,
    console: Console | None = None,
    quiet: bool = False,
    address: str | None = None,
) -> SweepResult:
    """Train every config of a sweep not yet completed in the store.

    Args:
        spec: a SweepSpec, a sweep YAML path, or its mapping.
        backend: sequential | population | processes (default: the file's `backend`).
        store: a RunStore or its folder.
        workers: processes of the `processes` backend (default: the file's `workers`, else the CPU count).
        console: where progress and notes go.
        quiet: no progress and no notes.
        address: the Ray cluster of the `ray` backend (default: the file's `ray.address`, else a local Ray).

    Example:
        >>> result = run_sweep("examples/sweeps/mnist1d_grid.yaml", backend="population")
        >>> result.statuses
        {'completed': 96}
    """
    if not isinstance(spec, SweepSpec):
        spec = load_sweep(spec)
    chosen = backend or spec.backend
    if chosen not in BACKENDS:
        raise ConfigError("--backend", chosen, " | ".join(BACKENDS))
    if address is not None and chosen != "ray":
        raise ConfigError("--address", address, "only with --backend ray (a Ray cluster's address)")
    if uses_optuna(spec):  # tpe | cmaes | random with an objective: an Optuna study (reglab.search)
        from reglab.search.run import run_search

        return run_search(spec, backend=chosen, store=store, console=console, quiet=quiet, address=address)
    if chosen == "ray":
        require_ray()  # one line naming the extra, before anything is written
    points = expand_sweep(spec)
    if isinstance(store, RunStore):
        run_store = store
    else:
        folder = Path(store) if store is not None else default_store_dir()
        # An existing store is read to resume; a new one is created only after the pre-flight,
        # so bad input leaves nothing behind.
        run_store = RunStore(folder) if (folder / DATABASE_NAME).exists() else None
    continuing = chosen in ("sequential", "population", "processes")  # the backends that continue checkpoints
    plan = plan_resume(run_store, spec.name, points, continuing) if run_store is not None else ResumePlan(list(points), 0)
    if plan.todo:
        preflight(plan.todo)
    if run_store is None:
        run_store = RunStore(folder)
    output = console or Console(highlight=False)
    progress = SweepProgress(spec.name, len(points), plan.done, output, enabled=not quiet)
    progress.note(
        f"sweep {spec.name}: {len(points)} configs ({spec.method}), {plan.done} done, "
        f"{len(plan.todo)} to train with backend {chosen}"
        + (f", {plan.busy} running in another process" if plan.busy else "")
        + (f"; replacing {len(plan.partial)} interrupted or failed runs" if plan.partial else "")
        + (f"; continuing {len(plan.resumable)} interrupted runs from their checkpoints" if plan.resumable else "")
    )
    drop_partial_runs(run_store, plan.partial)
    ray = spec.ray if address is None else spec.ray.model_copy(update={"address": address})
    context = SweepContext(run_store, spec.name, progress, spec.population, workers or spec.workers or os.cpu_count() or 1, ray, points)
    context.resumable = dict(plan.resumable)
    with progress:
        BACKEND_FUNCTIONS[chosen](plan.todo, context)
    statuses: dict[str, int] = {}
    for run in run_store.runs(sweep=spec.name):
        statuses[run.status] = statuses.get(run.status, 0) + 1
    return SweepResult(spec.name, len(points), plan.done, context.trained, statuses, context.failures, context.elsewhere)
