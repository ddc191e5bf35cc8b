"""The processes backend: single runs in worker processes, one torch thread per worker.

Each worker calls `torch.set_num_threads(1)`: processes that each run all-core
OpenMP kernels on the same cores slow each other by an order of magnitude or more.
Workers are started with `spawn` (a fresh interpreter: no forked OpenMP or CUDA
state) by the standard library's `ProcessPoolExecutor`. Every worker writes its own
runs to the store (SQLite in WAL mode takes several writers), claiming each config first
with the worker's own process id, so a claim frees itself if the worker dies.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Sequence

from reglab.sweep.backends.context import SweepContext
from reglab.sweep.backends.sequential import describe_point
from reglab.sweep.expand import SweepPoint

__all__ = ["run_processes"]


def _one_thread() -> None:
    os.environ["OMP_NUM_THREADS"] = "1"
    import torch

    torch.set_num_threads(1)


def _train_in_worker(config: dict[str, Any], key: str, store: str, sweep: str) -> str | None:
    """Claim the config for this worker, train it, drop the claim; None when another
    process had claimed or finished it."""
    from reglab.engine.run import train
    from reglab.store import RunStore

    with RunStore(store) as run_store:
        if not run_store.claim(sweep, [key]):
            return None
        try:
            return train(config, store=run_store, sweep=sweep).status
        finally:
            run_store.release(sweep, [key])


def run_processes(points: Sequence[SweepPoint], context: SweepContext) -> None:
    """Train the configs in `context.workers` processes; failures are logged, the sweep goes on."""
    if not points:
        return
    workers = max(1, min(context.workers, len(points)))
    spawn = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=spawn, initializer=_one_thread)
    try:
        futures = {
            pool.submit(_train_in_worker, point.config.to_dict(), point.hash, str(context.store.directory), context.sweep): point
            for point in points
        }
        for future in as_completed(futures):
            error = future.exception()
            if error is not None:
                context.trained += 1
                context.failed(describe_point(futures[future]), error)
            elif future.result() is None:
                context.elsewhere += 1
            else:
                context.trained += 1
            context.progress.advance()
    except BaseException:
        # Ctrl-C: the workers get the signal too and store their runs as interrupted.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
