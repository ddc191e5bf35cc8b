"""Three `reglab sweep` processes of one 24-config file on one store: each config trains once."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections import Counter

import pytest
import yaml

from reglab.store import RunStore, config_hash

SWEEP = {
    "name": "shared",
    "backend": "sequential",
    "base": {
        "epochs": 1,
        "device": "cpu",
        "data": {"dataset": "digits", "train_size": 100, "batch_size": 50},
        "model": {"hidden": [8]},
        "trajectory": {"enabled": False},
    },
    "parameters": {"optimizer.lr": [0.3, 0.1, 0.03, 0.01], "seed": [0, 1, 2, 3, 4, 5]},
}


def test_three_processes_share_a_sweep_and_train_each_config_once(tmp_path, store_dir):
    sweep_file = tmp_path / "shared.yaml"
    sweep_file.write_text(yaml.safe_dump(SWEEP))
    command = [sys.executable, "-m", "reglab", "sweep", str(sweep_file), "--store", str(store_dir), "--quiet"]
    # One OpenMP thread each: three processes on shared cores would otherwise slow each other down.
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(3)]
    outputs = [process.communicate(timeout=240) for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], [err for _, err in outputs]

    with RunStore(store_dir) as store:
        runs = store.runs(sweep="shared")
        claims = store.claims("shared")
    assert len(runs) == 24
    assert Counter(run.status for run in runs) == {"completed": 24}
    assert len({config_hash(run.config) for run in runs}) == 24  # no config trained twice
    assert claims == []  # every claim was released
    trained_now = [int(re.search(r"(\d+) trained now", out).group(1)) for out, _ in outputs]
    assert sum(trained_now) == 24


def test_a_claim_of_a_dead_process_is_free_again(tmp_path):
    store = RunStore(tmp_path)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    with store._transaction() as cursor:
        cursor.execute("INSERT INTO claims VALUES ('s', 'aaa', ?, ?, '2026-01-01T00:00:00')", (socket.gethostname(), dead_pid))
        cursor.execute("INSERT INTO claims VALUES ('s', 'bbb', 'another-host', 1, '2026-01-01T00:00:00')")
    assert store.claim("s", ["aaa", "bbb", "ccc"]) == ["aaa", "ccc"]
    assert {row[0]: row[2] for row in store.claims("s")}["aaa"] == os.getpid()
    store.release("s", ["aaa", "ccc"])
    assert [row[0] for row in store.claims("s")] == ["bbb"]


def test_a_finished_config_is_never_claimed(tmp_path):
    store = RunStore(tmp_path)
    config = {"seed": 0}
    run_id = store.start_run("r", config, sweep="s")
    store.finish_run(run_id, "completed", {})
    assert store.claim("s", [config_hash(config)]) == []


@pytest.mark.parametrize("backend", ["sequential", "population"])
def test_configs_claimed_by_a_live_process_are_left_to_it(tmp_path, backend):
    """The parent process (alive, another pid) holds claims on 2 of 6 configs: this sweep trains the other 4."""
    from reglab.sweep import expand_sweep, load_sweep, run_sweep

    spec = load_sweep({**SWEEP, "parameters": {"optimizer.lr": [0.3, 0.1, 0.03], "seed": [0, 1]}})
    points = expand_sweep(spec)
    store = RunStore(tmp_path)
    with store._transaction() as cursor:
        for point in points[:2]:
            cursor.execute("INSERT INTO claims VALUES ('shared', ?, ?, ?, '2026-01-01T00:00:00')",
                           (point.hash, socket.gethostname(), os.getppid()))
    result = run_sweep(spec, backend=backend, store=store, quiet=True)
    trained = {config_hash(run.config) for run in store.runs(sweep="shared")}
    assert (result.trained, result.elsewhere) == (4, 2)
    assert trained == {point.hash for point in points[2:]}
    assert sorted(row[0] for row in store.claims("shared")) == sorted(point.hash for point in points[:2])


@pytest.mark.parametrize("backend", ["sequential", "population", "processes"])
def test_configs_left_to_another_process_are_done_but_not_in_this_ones_eta_rate(tmp_path, monkeypatch, backend):
    """The parent process holds claims on 2 of 4 configs: the count reaches 4/4, and the
    progress's rate counts the 2 configs this sweep trained, not the 2 skipped."""
    import reglab.sweep.runner as runner
    from reglab.sweep import expand_sweep, load_sweep, run_sweep

    made = []

    def recorded(*args, **options):
        made.append(runner_progress(*args, **options))
        return made[-1]

    runner_progress = runner.SweepProgress
    monkeypatch.setattr(runner, "SweepProgress", recorded)
    spec = load_sweep({**SWEEP, "backend": backend, "parameters": {"optimizer.lr": [0.3, 0.1], "seed": [0, 1]}})
    store = RunStore(tmp_path)
    with store._transaction() as cursor:
        for point in expand_sweep(spec)[:2]:
            cursor.execute("INSERT INTO claims VALUES ('shared', ?, ?, ?, '2026-01-01T00:00:00')",
                           (point.hash, socket.gethostname(), os.getppid()))
    result = run_sweep(spec, store=store, quiet=True, workers=1)
    assert (result.trained, result.elsewhere) == (2, 2)
    assert (made[0].done, made[0].finished_here) == (4, 2)
