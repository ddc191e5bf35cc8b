"""The processes backend's workers: forked from one server that imported torch and reglab once;
a Ctrl-C while they start is raised once they have."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading

import pytest

from reglab.sweep.backends import processes
from reglab.sweep.backends.processes import start_workers

pytestmark = pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(), reason="spawned workers: no forkserver here")


def test_workers_are_forked_from_one_server_and_take_the_drivers_environment(monkeypatch):
    """Spawned by the driver, each worker imported torch itself (3.5 s each on the 2-core CPU);
    forked from the server, it starts with torch imported. The server keeps the environment it
    started with, so a variable set later reaches the workers through their start."""
    views = []
    for value in ("first", "second"):  # the server is running by the second pool
        monkeypatch.setenv("REGLAB_WORKER_CHECK", value)
        pool, _, _ = start_workers(2)
        with pool:  # (functions of the standard library: a worker imports no test module)
            parents = [pool.submit(os.getppid) for _ in range(4)]
            seen = [pool.submit(os.getenv, "REGLAB_WORKER_CHECK") for _ in range(4)]
            views.append(([future.result() for future in parents], [future.result() for future in seen]))
    parents = {parent for view in views for parent in view[0]}
    assert len(parents) == 1 and os.getpid() not in parents
    assert [view[1] for view in views] == [["first"] * 4, ["second"] * 4]


def test_the_forkserver_starts_ignoring_ctrl_c_and_the_driver_still_gets_it(monkeypatch, python_sigint):
    """The server imports torch before it ignores SIGINT: started with the driver's handler, a
    Ctrl-C in those seconds printed its traceback under the sweep's line."""
    from multiprocessing import forkserver

    inherited = []

    def starting():  # the server process is created here and keeps SIGINT's disposition
        inherited.append(signal.getsignal(signal.SIGINT))
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)  # Ctrl-C meanwhile, to the driver's main thread

    monkeypatch.setattr(forkserver, "ensure_running", starting)
    with pytest.raises(KeyboardInterrupt):
        processes._start_forkserver()
    assert inherited == [signal.SIG_IGN]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_ctrl_c_while_the_workers_start_is_raised_once_every_config_is_queued(tmp_path, monkeypatch, python_sigint):
    """The first submits start the worker processes; cut short amid a start, the driver exited
    while a worker went on reading a pool that was gone (its traceback under the line)."""
    from reglab.sweep import run_sweep
    from tests.conftest import tiny_digits

    calls = []

    class Pool:
        def submit(self, *args):
            calls.append("submit")
            if len(calls) == 1:
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C as the first worker starts
            return object()

        def shutdown(self, wait=True, cancel_futures=False):
            calls.append(("shutdown", cancel_futures))

    class Stop:
        def set(self):
            calls.append("stop")

    monkeypatch.setattr(processes, "start_workers", lambda workers: (Pool(), None, Stop()))
    sweep = {"name": "grid", "base": tiny_digits(epochs=1), "parameters": {"seed": [0, 1, 2]}}
    with pytest.raises(KeyboardInterrupt):
        run_sweep(sweep, backend="processes", store=tmp_path / "store", workers=2, quiet=True)
    assert calls == ["submit", "submit", "submit", "stop", ("shutdown", True)]
