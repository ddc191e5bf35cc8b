"""The population backend: the sweep grouped by architecture shape, each group trained as one population.

A group's configs are claimed in the store at once before it trains (`SweepContext.claim`):
configs another process claimed or finished are left out of the population. Members
of an interrupted population continue from their checkpoints, as populations of the
members that finished the same epochs; the others train from the start.

A population that fails before it stores any member is probed member by member: the
members that cannot be built alone (their data cannot load) fail, each stored as a failed
run with its own error, and the others train as one population
(`reglab.sweep.backends.unstarted`).

Every technique trains in a population; a group the engine still refuses (a user's
technique whose unit reads more than its records) is trained sequentially, announced
in one line. A group of one config is a plain single run.
"""

from __future__ import annotations

from typing import Sequence

from reglab.config import ConfigError
from reglab.population import PopulationUnsupported, group_configs, train_population
from reglab.population.checkpoint import read_member_checkpoint, resume_key
from reglab.sweep.backends.context import SweepContext
from reglab.sweep.backends.sequential import describe_point, run_sequential
from reglab.sweep.backends.unstarted import failing_members
from reglab.sweep.expand import SweepPoint
from reglab.sweep.member_epochs import MemberShares
from reglab.tracking.sinks import track_recorded, wants_tracking

__all__ = ["run_population"]


def _train_group(members: list[SweepPoint], context: SweepContext) -> None:
    members = context.claim(members)
    if not members:
        return
    try:
        fresh = _continue_interrupted(members, context)
        if fresh:
            _train_claimed(fresh, context)
    finally:
        context.release(members)


def _continue_interrupted(members: list[SweepPoint], context: SweepContext) -> list[SweepPoint]:
    """Continue the members whose interrupted runs left member checkpoints, as populations of
    the members that finished the same epochs (`reglab.population.checkpoint.resume_key`);
    return the members to train from the start."""
    fresh: list[SweepPoint] = []
    together: dict[tuple, list[tuple[SweepPoint, str]]] = {}
    for point in members:
        run_id = context.continued_run(point)
        checkpoint = read_member_checkpoint(context.store.run_dir(run_id)) if run_id else None
        if checkpoint is None:
            if run_id is not None:  # a single run's checkpoint: it continues as a single run
                run_sequential([point], context, claimed=True)
            else:
                fresh.append(point)
            continue
        together.setdefault(resume_key(*checkpoint), []).append((point, run_id))
    for pairs in together.values():
        fresh.extend(_train_claimed([point for point, _ in pairs], context, resume=[run_id for _, run_id in pairs]))
    return fresh


def _train_claimed(members: list[SweepPoint], context: SweepContext, resume: list[str] | None = None) -> list[SweepPoint]:
    """Train claimed `members` as one population (continuing the interrupted runs `resume`,
    one per member, when given); return the members to train from the start instead
    (checkpoints that cannot continue together)."""
    finished = 0
    shares = MemberShares(context.progress)  # each member's epochs shown as parts of its config

    def advance(run) -> None:
        nonlocal finished
        finished += 1
        if wants_tracking(run.config):  # tracking.*: mirrored as each member is recorded
            track_recorded(context.store, run.id)
        context.progress.advance(settled=shares.settle((run.summary.get("population") or {}).get("member")))

    try:
        context.trained += len(members)
        train_population(
            [point.config for point in members],
            store=context.store,
            sweep=context.sweep,
            data_order=context.population.data_order,
            engine=context.population.engine,
            shards=None if context.population.shards is None else min(context.population.shards, len(members)),
            on_member_end=advance,
            on_member_epoch=shares.hook([point.config.epochs for point in members]),
            resume=resume,
        )
    except ConfigError as reason:
        if resume is None:  # bad input the pre-flight could not see (it builds one config per group)
            return _population_failed(members, reason, context, finished, shares)
        context.trained -= len(members)
        context.progress.note(f"{len(members)} interrupted runs train again: {reason}")
        context.start_over(members)
        return members
    except PopulationUnsupported as reason:
        context.progress.note(f"{len(members)} configs train one by one: the population engine does not do {reason}")
        context.trained -= len(members)
        run_sequential(members, context, claimed=True)
    except Exception as error:  # members still training are stored as failed; the sweep goes on
        return _population_failed(members, error, context, finished, shares, resumed=resume is not None)
    return []


def _population_failed(
    members: list[SweepPoint], error: Exception, context: SweepContext, finished: int, shares: MemberShares, resumed: bool = False
) -> list[SweepPoint]:
    """Report a population that raised. If it failed before storing any member, the members
    that fail alone (their data cannot load) fail with their own errors and the others train
    (`reglab.sweep.backends.unstarted`); else every member not finished fails, stored as
    failed whether its run started or not."""
    if not resumed and finished == 0 and len(members) > 1 and not context.store.runs_of_configs(context.sweep, [point.hash for point in members]):
        failing = failing_members([point.config for point in members], context.population.data_order, context.population.engine)
        if 0 < len(failing) < len(members):
            for index, reason in sorted(failing.items()):
                context.failed(describe_point(members[index]), reason, [members[index]])
            context.progress.advance(len(failing))
            rest = [point for index, point in enumerate(members) if index not in failing]
            context.trained -= len(rest)  # counted again as they train
            if len(rest) == 1:
                run_sequential(rest, context, claimed=True)
                return []
            return _train_claimed(rest, context)
    context.failed(f"population of {len(members)} ({describe_point(members[0])}, ...)", error, members)
    context.progress.advance(len(members) - finished, settled=shares.settle_all())
    return []


def run_population(points: Sequence[SweepPoint], context: SweepContext) -> None:
    """Group `points` into populations (at most `population.max_size` members) and train them."""
    for group in group_configs([point.config for point in points], context.population.max_size):
        members = [points[index] for index in group]
        if len(members) == 1:
            run_sequential(members, context)
        else:
            _train_group(members, context)
