"""A CPU population trained as S shards: sub-populations stepping concurrently, one thread each.

On a CPU the stacked step of one population is a few large matrix products and many
small ones (the narrow layers, the optimizer, the activations). The large products
use every core well; the small ones do not: their parallel regions cost more to
start than they save. Measured on 2 cores, `mlp_seed000` on 60,000 images, per
model-epoch:

    members  one population, 2 threads   2 shards, 1 thread each
       16           0.036 s                     0.041 s
       32           0.034 s                     0.027 s
       64           0.028 s                     0.022 s
      128           0.033 s                     0.021 s

So a population of at least 2 × `MIN_SHARD_MEMBERS` members on a CPU with T torch
threads is split into S = min(T, K // MIN_SHARD_MEMBERS) shards of consecutive
members, each stepped in its own Python thread with T // S torch threads (PyTorch's
kernels release the GIL). Every epoch all shards train, then all evaluate; the
epoch's time is the wall time of the training phase over all members.

A shard is the population's state restricted to its members: the same data tensors
(shared, not copied), a copy of the data order (a shared order stays the
population's order), and its own optimizer, schedule and trajectory state. Each
member keeps its own random stream (`reglab.population.streams`) wherever it goes,
so sharding changes no member's draws.

When members finish (early stopping, divergence), the shards are evened out at the
epoch's end (`rebalance`): merged and split again, into fewer shards once fewer than
`MIN_SHARD_MEMBERS` per shard are left, so no core waits on a lopsided split.

CNNs shard the other way. Their stacked feature maps, (B, K·C, H, W), outgrow the caches
as K grows, and max-pool, batch norm and ReLU then run from memory: on one thread, per
member-epoch of 1,024 images of `cnn_population.py` (one process, alternating), one run
costs 0.17 s, 4 stacked CNNs 0.14 s each, 8 stacked 0.13 s and 32 stacked 0.15 s. So a
CPU population of CNNs trains in shards of at most `CONV_SHARD_MEMBERS` members, queued
over T workers (64 members on 2 threads: 0.15–0.16 s per member-epoch of 2,000 images,
one run 0.27–0.32 s).
"""

from __future__ import annotations

import copy
import math
import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import replace
from typing import Callable, Iterable, Sequence, TypeVar

import numpy as np
import torch

from reglab.population.cancel import cancelled_by
from reglab.population.data import PopulationData
from reglab.population.members import MemberHyperparameters
from reglab.population.state import PopulationState

__all__ = [
    "MIN_SHARD_MEMBERS",
    "ShardThreads",
    "merge_shards",
    "rebalance",
    "shard_count",
    "split_population",
]

MIN_SHARD_MEMBERS = 16
CONV_SHARD_MEMBERS = 8

Result = TypeVar("Result")


def shard_count(members: int, device: torch.device, engine: str, threads: int | None = None, convolutional: bool = False) -> int:
    """How many shards a population of `members` trains as (1: no sharding).

    Only the stacked engine on a CPU shards; `threads` defaults to `torch.get_num_threads()`.
    CNNs (`convolutional`) train in shards of at most `CONV_SHARD_MEMBERS`.
    """
    if device.type != "cpu" or engine != "stacked":
        return 1
    if convolutional:
        return max(1, math.ceil(members / CONV_SHARD_MEMBERS))
    threads = torch.get_num_threads() if threads is None else threads
    return max(1, min(threads, members // MIN_SHARD_MEMBERS))


def split_population(state: PopulationState, shards: int) -> list[PopulationState]:
    """`state` as `shards` states of consecutive members (balanced sizes), sharing its data tensors.

    Each member's random stream moves with it (the same generator object). With
    `shards` = 1 the state itself comes back.
    """
    if shards <= 1:
        return [state]
    bounds = np.linspace(0, state.size, shards + 1).round().astype(int)
    # Shared, read-only parts are not copied: data (the large tensors), configs, the forward function.
    shared = {id(state.data): state.data, id(state.configs): state.configs, id(state.forward): state.forward}
    shared[id(state.callbacks)] = state.callbacks  # the user's callback objects, never copied
    shared.update({id(generator): generator for generator in state.generators})  # streams move, never copy
    parts = []
    for shard, (start, end) in enumerate(zip(bounds[:-1], bounds[1:])):
        part = copy.deepcopy(state, memo=dict(shared))
        part.keep(list(range(start, end)))
        parts.append(part)
    return parts


def merge_shards(parts: Sequence[PopulationState]) -> PopulationState:
    """One state with the members of `parts`, in their order (the parts are used up).

    The parts are splits of one state (`split_population`), trained to the same epoch's end.
    """
    first, others = parts[0], list(parts[1:])
    with torch.no_grad():
        params = {name: torch.cat([part.params[name].detach() for part in parts]).requires_grad_(True) for name in first.params}
        buffers = {name: torch.cat([part.buffers[name] for part in parts]) for name in first.buffers}
    hyper = MemberHyperparameters.concat([part.hyper for part in parts])
    first.order.absorb([part.order for part in others])
    first.schedule.absorb([part.schedule for part in others])
    first.optimizer.absorb([part.optimizer for part in others], params, hyper)
    first.units.configure(hyper)
    first.units.absorb([part.units for part in others])
    # Each part holds live technique units (early-stopping state) for its own members only.
    owner = {member: part for part in parts for member in part.members}
    techniques = [owner[member].techniques[member] if member in owner else unit for member, unit in enumerate(first.techniques)]
    return replace(
        first,
        params=params,
        buffers=buffers,
        hyper=hyper,
        data=PopulationData.concat([part.data for part in parts]),
        techniques=techniques,
        members=[member for part in parts for member in part.members],
        generators=[generator for part in parts for generator in part.generators],
        last_gradients=None,
    )


def rebalance(shards: Sequence[PopulationState], min_members: int, max_members: int | None = None) -> list[PopulationState]:
    """Even the shards out after members finished, by merging them and splitting again.

    Happens when their sizes differ by more than one member, or when fewer than
    `min_members` per shard are left (then there are fewer shards, at least one); with
    `max_members` (CNNs), into as few shards as hold at most that many members each.
    Every member keeps its random stream.
    """
    sizes = [state.size for state in shards]
    if max_members is not None:
        target = max(1, math.ceil(sum(sizes) / max_members))
    else:
        target = max(1, min(len(shards), sum(sizes) // min_members))
    if target == len(shards) and max(sizes) - min(sizes) <= 1:
        return list(shards)
    return split_population(merge_shards(shards), target)


WAKE_SECONDS = 0.1  # how soon the calling thread handles a Ctrl-C that came as it began to wait


def _wait_for_shards(futures: list) -> None:
    """Until every shard finished or one failed, waking every WAKE_SECONDS.

    A SIGINT that arrives just before the calling thread blocks in a lock does not interrupt
    the lock: Python would run its handler (KeyboardInterrupt) only when the shards end their
    epoch. Waking runs a pending handler within WAKE_SECONDS."""
    while True:
        done, pending = wait(futures, timeout=WAKE_SECONDS, return_when=FIRST_EXCEPTION)
        if not pending or any(future.exception() is not None for future in done):
            return


def _one_worker_setup(threads: int) -> None:
    # Per OS thread: OpenMP's thread count and the denormal flush are thread-local settings.
    torch.set_num_threads(threads)
    torch.set_flush_denormal(True)


class ShardThreads:
    """Runs a function over the shards: inline for one shard, else on `workers` threads
    (default one per shard) with T / workers torch threads each; shards beyond the workers
    queue (CNN shards, see `CONV_SHARD_MEMBERS`: at most T workers).

    When `map` ends by an exception (Ctrl-C reaches the calling thread; a shard failed),
    the other shards stop at their next step (`stop_if_cancelled`), so the caller
    does not wait for them to finish their epoch.

    Example:
        >>> with ShardThreads(2) as threads:
        ...     sums = threads.map(train_epoch, shards)
    """

    def __init__(self, shards: int, workers: int | None = None) -> None:
        self.workers = shards if workers is None else max(1, min(workers, shards))
        self.previous_threads = torch.get_num_threads()
        self.pool: ThreadPoolExecutor | None = None
        self.cancelled = threading.Event()

    def __enter__(self) -> "ShardThreads":
        workers = self.workers
        if workers > 1:
            self.pool = ThreadPoolExecutor(workers, "reglab-shard", _one_worker_setup, (max(1, self.previous_threads // workers),))
        return self

    def close(self) -> None:
        """Stop the worker threads; later calls of `map` run inline with the caller's threads."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None
            # set_num_threads also sets MKL's process-wide count: give the caller its own back.
            torch.set_num_threads(self.previous_threads)

    def map(self, function: Callable[..., Result], *arguments: Iterable) -> list[Result]:
        """`function` over the zipped arguments, concurrently when sharded; results in order."""
        if self.pool is None:
            return [function(*items) for items in zip(*arguments)]
        futures = []
        try:  # from the first submit on: a Ctrl-C in between cancels what was submitted
            for items in zip(*arguments):
                futures.append(self.pool.submit(self._cancellable, function, *items))
            _wait_for_shards(futures)
            errors = [error for error in (future.exception() for future in futures if future.done()) if error is not None]
            if errors:  # the first shard that failed ends the phase for all
                raise errors[0]
            return [future.result() for future in futures]
        except BaseException:
            self.cancelled.set()
            for future in futures:
                future.cancel()  # a queued shard does not start
            raise

    def _cancellable(self, function: Callable[..., Result], *items) -> Result:
        with cancelled_by(self.cancelled):
            return function(*items)

    def __exit__(self, *exc_info) -> None:
        self.close()

