"""The Ray backend: each population group of a sweep trained as one Ray task.

    driver (reglab sweep --backend ray)            Ray workers (this machine or a cluster)
    group configs by shape ─ config dicts ─────▶   torch.set_num_threads(cpus_per_task)
                                                   train the population in a scratch folder
    progress, running rows per epoch ◀── actor ──  each member epoch reported (remote_progress)
    complete each member as its task returns ◀───  history, summary, weights (bytes)

Workers never open the sweep's store: only the driver writes it (see
`reglab.sweep.backends.remote_members`). A killed driver or a lost worker loses
only the populations in flight; rerunning the sweep trains those again and skips
every recorded config, as with every backend. Populations are formed from the whole
sweep, so a rerun trains each remaining population with the same members as the
first attempt (with a shared data order, a member's numbers depend on its
population's first member and size).

A sweep starts a new local Ray on this machine unless an address is given (`--address`,
`ray.address` or `$RAY_ADDRESS`; `auto` joins the cluster this machine belongs to):
`init_address`.
A Ctrl-C while Ray starts or stops is held until it has started or stopped: cut short
while it waits for its node, `ray.init` left Ray's dashboard and runtime-env agents
running after the command had exited (and once the command died of a segmentation fault).
Ctrl-C frees the claims of every population not recorded, started or not.
A member whose data cannot be loaded on its worker fails alone (the task's other members
train, `reglab.sweep.backends.hooked_batch`) and is stored as a failed run by the driver.
Each task reserves `ray.cpus_per_task` CPUs and `ray.gpus_per_task` GPUs (a fraction
lets several populations share one GPU). Ray is the optional extra `reglab[ray]`.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from reglab.config import ConfigError
from reglab.sweep.backends.context import SweepContext
from reglab.sweep.backends.interrupts import ctrl_c_held
from reglab.sweep.backends.remote_members import MemberResult, record_member, train_members
from reglab.sweep.backends.ray_notices import token_notice_dropped
from reglab.sweep.backends.remote_progress import POLL_SECONDS, TaskProgress
from reglab.sweep.backends.sequential import describe_point
from reglab.sweep.backends.unstarted import error_line
from reglab.sweep.expand import SweepPoint
from reglab.sweep.ray_options import RayOptions

__all__ = ["run_ray", "require_ray", "ray_session", "remote_trainer"]

EXTRA_HINT = 'the Ray extra: pip install "reglab[ray]"'


def require_ray() -> Any:
    """The `ray` module, or a one-line ConfigError naming the extra."""
    try:
        import ray
    except ImportError:
        raise ConfigError("--backend", "ray", f"sequential | population | processes, or install {EXTRA_HINT}") from None
    return ray


def init_address(options: RayOptions) -> str | None:
    """The `address` handed to `ray.init`: the one given (`--address`, `ray.address`),
    else `$RAY_ADDRESS` (None: Ray reads it), else `"local"`, a new Ray on this machine.

    With no address at all, `ray.init()` would join the last Ray that `ray start` started
    on this machine, and a dead one (its processes killed, its files left in /tmp/ray)
    made it wait for minutes; a sweep joins another cluster only when told to (`auto`)."""
    if options.address is not None or os.environ.get("RAY_ADDRESS"):
        return options.address
    return "local"


@contextmanager
def ray_session(options: RayOptions) -> Iterator[Any]:
    """Connect to Ray (or start it locally) for the length of a sweep; leave a session the caller opened.

    Ray starts and stops whole: a Ctrl-C meanwhile is raised once it has (see the module
    docstring). Ray's notice that it enabled token authentication by default is dropped
    (`reglab.sweep.backends.ray_notices`); its warnings and errors are shown."""
    ray = require_ray()
    if ray.is_initialized():
        yield ray
        return
    try:
        with ctrl_c_held(), token_notice_dropped():
            ray.init(address=init_address(options), include_dashboard=False, log_to_driver=False, logging_level="WARNING")
        yield ray
    finally:
        with ctrl_c_held():
            ray.shutdown()


def _train_task(configs: list[dict[str, Any]], sweep: str, population: dict[str, Any], threads: int, on_epoch: Any = None) -> list[MemberResult]:
    import torch

    torch.set_num_threads(threads)
    return train_members(configs, sweep, population, on_epoch)


def remote_trainer(ray: Any, options: RayOptions) -> Any:
    """The Ray remote function that trains one group, with the task resources of `options`."""
    return ray.remote(num_cpus=options.cpus_per_task, num_gpus=options.gpus_per_task, max_retries=1)(_train_task)


def _groups(points: Sequence[SweepPoint], everything: Sequence[SweepPoint], max_size: int) -> list[list[SweepPoint]]:
    """The populations of `points`: the groups the population backend forms from the whole
    sweep (`everything`), less the configs already done, so a resumed sweep trains its
    remaining populations with the members they had."""
    from reglab.population import group_configs

    todo = {point.hash for point in points}
    everything = list(everything) or list(points)
    groups = [[everything[index] for index in group if everything[index].hash in todo] for group in group_configs([point.config for point in everything], max_size)]
    return [group for group in groups if group]


def run_ray(points: Sequence[SweepPoint], context: SweepContext) -> None:
    """Train the sweep's population groups as Ray tasks; record members as their tasks return."""
    if not points:
        return
    options = context.ray or RayOptions()
    # Each group is claimed in the store before its task starts (several drivers on one
    # store share the sweep); a driver that dies leaves claims that free themselves.
    groups = [claimed for group in _groups(points, context.sweep_points, context.population.max_size) if (claimed := context.claim(group))]
    if not groups:
        return
    unrecorded = dict(enumerate(groups))  # task -> its group, until the task's result is recorded
    try:
        with ray_session(options) as ray:
            _train_groups(ray, options, groups, unrecorded, context)
    finally:  # Ctrl-C or an error: the claims of the groups not recorded, their tasks started or not
        for group in unrecorded.values():
            context.release(group)


def _train_groups(ray: Any, options: RayOptions, groups: list[list[SweepPoint]], unrecorded: dict[int, list[SweepPoint]], context: SweepContext) -> None:
    """Submit a task per group, record each member as its task returns, and release the
    group's claims (popped from `unrecorded`)."""
    population = context.population.model_dump()
    trainer = remote_trainer(ray, options)
    tasks = TaskProgress(ray, context.progress, context.store, context.sweep)
    pending = {}
    try:
        for task, group in enumerate(groups):
            configs = [point.config.to_dict() for point in group]
            pending[trainer.remote(configs, context.sweep, population, options.torch_threads, tasks.reporter(task, configs))] = (task, group)
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=POLL_SECONDS)
            tasks.poll()
            if not ready:
                continue
            task, group = pending.pop(ready[0])
            context.trained += len(group)
            try:
                results = ray.get(ready[0])
            except Exception as error:  # a failed task or a lost worker: its configs are stored failed (a rerun trains them)
                settled = tasks.finish(task, "failed", error_line(error))  # members with epochs stored end failed
                context.failed(f"population of {len(group)} ({describe_point(group[0])}, ...)", error, group)
                context.progress.advance(len(group), settled=settled)
                context.release(unrecorded.pop(task))
                continue
            for member, (point, result) in enumerate(zip(group, results)):
                if isinstance(result, BaseException):  # stored as failed (the rerun trains it again), its live run if it had one
                    tasks.end_run(task, member, "failed", error_line(result))
                    context.failed(describe_point(point), result, [point])
                else:
                    record_member(context.store, context.sweep, result, tasks.live_run(task, member))
                context.progress.advance(settled=tasks.settle(task, member))
            tasks.finish(task)
            context.release(unrecorded.pop(task))
    except BaseException:
        for ref, (task, _) in pending.items():
            ray.cancel(ref, force=True)
            tasks.finish(task, "interrupted", "the sweep was stopped")
        raise
