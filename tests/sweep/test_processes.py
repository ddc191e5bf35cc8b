"""The processes backend's workers: forked from one server that imported torch and reglab once."""

from __future__ import annotations

import multiprocessing
import os

import pytest

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
