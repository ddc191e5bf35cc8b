"""The processes backend: single runs in worker processes, one torch thread per worker.

Each worker calls `torch.set_num_threads(1)`: processes that each run all-core
OpenMP kernels on the same cores slow each other by an order of magnitude or more.
Workers are started by the standard library's `ProcessPoolExecutor` from multiprocessing's
`forkserver`: a fresh interpreter that imports torch and reglab's training code once
(importing runs no kernel, so no OpenMP or CUDA state is forked) and forks each worker from
there. With `spawn`, every worker imported torch itself: 3.5 s each on the 2-core development
CPU, and two workers importing at once were ready after 7-14 s under load; forked from the
server, both were ready 4.3 s after the first pool of a process started, 0.35 s after later
ones. A worker takes the driver's environment as the pool starts, as a spawned one did.
Where the platform has no forkserver (Windows), workers are spawned. Every worker writes its own
runs to the store (SQLite in WAL mode takes several writers), claiming each config first
with the worker's own process id, so a claim frees itself if the worker dies. An
interrupted run with a checkpoint continues from it (`reglab.resume`), as on the
sequential and population backends. A worker's error reaches the driver as one it can
unpickle (`reglab.sweep.backends.portable_errors`: an error that does not pickle broke
the pool, and every config still queued failed); a config whose run never started is
stored as failed by the driver.

Each epoch a worker trains is put on a queue the workers share, as 1/epochs of its config
(`reglab.sweep.member_epochs`); the driver shows those parts every POLL_SECONDS while it
waits, so a sweep of long runs moves with every epoch, not only as runs finish. A worker
puts an epoch's part on the queue before it returns the run, so when a run's result
arrives every part of it is there to be read and settled.

Ctrl-C: a terminal sends it to the workers too, and each interrupts its run at once (stored
`interrupted`, as `reglab train` does); a signal sent to the driver alone reaches them
through a shared event, before their next epoch. Either way a worker then starts none of the
configs the pool had queued for it, and the driver waits for the workers before it exits,
so the line it prints reads the store as the workers left it. A Ctrl-C while the pool starts
its workers (the first submits wait for the forkserver's imports) is raised once they have
started (`reglab.sweep.backends.interrupts`).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from reglab.contract.events import Callback, EpochRecord
from reglab.sweep.backends.context import SweepContext
from reglab.sweep.backends.interrupts import ctrl_c_held
from reglab.sweep.backends.portable_errors import portable
from reglab.sweep.backends.sequential import continue_or_train, describe_point
from reglab.sweep.expand import SweepPoint
from reglab.sweep.member_epochs import epoch_shares_hook, single_run_callback

__all__ = ["POLL_SECONDS", "PRELOADED", "run_processes", "start_workers", "worker_context"]

POLL_SECONDS = 0.5
PRELOADED = ["reglab.sweep.backends.processes", "reglab.engine.run"]  # imported once, in the forkserver, for every worker
# In a worker: where its epochs' parts go; the driver's stop event; whether Ctrl-C reached it.
_epochs_queue: Any = None
_stop: Any = None
_interrupted = False



def worker_context() -> multiprocessing.context.BaseContext:
    """The multiprocessing context workers start from: `forkserver` preloading `PRELOADED`
    where the platform has it, else `spawn`."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    return context


def _start_forkserver() -> None:
    """Start the forkserver (nothing to do once it runs) with SIGINT ignored.

    The server imports torch before it ignores SIGINT itself, so a Ctrl-C in those seconds
    printed its KeyboardInterrupt traceback under the sweep's one line; an ignored signal
    stays ignored across the server's exec. The driver ignores SIGINT only for the moment the
    server process takes to start, with SIGINT blocked on its main thread, where a Ctrl-C then
    waits and is raised right after (another thread of the driver taking it in that moment
    would drop it)."""
    from multiprocessing import forkserver

    if threading.current_thread() is not threading.main_thread():
        forkserver.ensure_running()
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, handler)  # before the unblock: Linux keeps a blocked signal pending, ignored or not
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def start_workers(workers: int) -> tuple[ProcessPoolExecutor, Any, Any]:
    """A pool of `workers` processes from `worker_context()`, the queue their epochs' parts
    are put on, and the event that stops them."""
    processes = worker_context()
    if processes.get_start_method() == "forkserver":
        _start_forkserver()
    epochs_queue, stop = processes.SimpleQueue(), processes.Event()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=processes, initializer=_start_worker, initargs=(epochs_queue, stop, dict(os.environ)))
    return pool, epochs_queue, stop


def _start_worker(epochs_queue: Any, stop: Any, environment: dict[str, str]) -> None:
    """A worker's start: the driver's environment (the forkserver holds the one it started
    with), one torch thread, the queue its epochs are put on, the driver's stop event;
    Ctrl-C ignored while idle (it would end the pool's loop with a traceback)."""
    global _epochs_queue, _stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.clear()
    os.environ.update(environment)
    os.environ["OMP_NUM_THREADS"] = "1"
    import torch

    torch.set_num_threads(1)
    _epochs_queue, _stop = epochs_queue, stop


@contextmanager
def _ctrl_c_interrupts() -> Iterator[None]:
    """Ctrl-C interrupts the training inside; once it has, this worker trains no more."""
    global _interrupted
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    except KeyboardInterrupt:
        _interrupted = True
        raise
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


class _StopWhenAsked(Callback):
    """Interrupts the run before its next epoch once the driver was stopped."""

    kind = "observer"

    def on_epoch_start(self, record: EpochRecord) -> None:
        if _stop.is_set():
            raise KeyboardInterrupt


def _train_in_worker(config: dict[str, Any], key: str, store: str, sweep: str, continued: str | None = None) -> tuple[str, str | None] | None:
    """Claim the config for this worker, train it (each epoch's part of the config put on
    the queue as `(key, share)`), drop the claim. `continued`: an interrupted run of the
    config to continue from its checkpoint (`reglab.resume`).

    Returns the run's status and a note (a continued run that trains again, and why), or
    None when another process had claimed or finished the config, or the sweep was
    interrupted."""
    from reglab.store import RunStore
    from reglab.sweep.resume import drop_partial_runs

    if _interrupted or _stop.is_set():
        return None
    report = epoch_shares_hook(lambda member, share, metrics: _epochs_queue.put((key, share)), [int(config.get("epochs", 1))])
    callbacks = [single_run_callback(report), _StopWhenAsked()]
    notes: list[str] = []
    with RunStore(store) as run_store:
        if not run_store.claim(sweep, [key]):
            return None

        def restart(note: str) -> None:
            notes.append(note)
            drop_partial_runs(run_store, [continued])

        try:
            with _ctrl_c_interrupts():
                run = continue_or_train(config, run_store, sweep, continued, callbacks, restart)
        except Exception as error:  # handed to the driver pickled: as an error it can unpickle
            carried = portable(error)
            if carried is error:
                raise
            raise carried from None
        finally:
            run_store.release(sweep, [key])
    return run.status, (notes[0] if notes else None)


def _show_epochs(epochs_queue: Any, shown: dict[str, float], running: set[str], context: SweepContext) -> None:
    """Step the progress by the parts of configs the workers put on the queue since last time
    (parts of configs no longer running are dropped)."""
    total = 0.0
    while not epochs_queue.empty():
        key, share = epochs_queue.get()
        if key in running:
            shown[key] = shown.get(key, 0.0) + share
            total += share
    if total:
        context.progress.step(total)


def run_processes(points: Sequence[SweepPoint], context: SweepContext) -> None:
    """Train the configs in `context.workers` processes; failures are logged, the sweep goes on."""
    if not points:
        return
    workers = max(1, min(context.workers, len(points)))
    pool, epochs_queue, stop = start_workers(workers)
    try:
        with ctrl_c_held():  # the first submits start the workers: a start cut short left one reading a pool that was gone
            futures = {
                pool.submit(_train_in_worker, point.config.to_dict(), point.hash, str(context.store.directory), context.sweep,
                            context.continued_run(point)): point
                for point in points
            }
        shown: dict[str, float] = {}
        running = {point.hash for point in points}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            _show_epochs(epochs_queue, shown, running, context)
            for future in finished:
                point = futures[future]
                running.discard(point.hash)
                error = future.exception()
                if error is None and (outcome := future.result()) is None:
                    context.elsewhere += 1
                    context.progress.skip()  # another process claimed or finished it: not in this one's rate
                    shown.pop(point.hash, None)
                    continue
                context.trained += 1
                if error is not None:  # stored as failed by the worker, or here if its run never started
                    context.failed(describe_point(point), error, [point])
                elif outcome[1] is not None:  # a continued run that trains again, and why
                    context.progress.note(outcome[1])
                context.progress.advance(settled=shown.pop(point.hash, 0.0))
    except BaseException:
        # Ctrl-C: the workers end their runs as interrupted and start no queued config
        # (see the module docstring); a second Ctrl-C stops the wait.
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
