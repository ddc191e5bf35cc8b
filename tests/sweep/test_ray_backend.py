"""The Ray backend on a two-node Ray cluster on this machine (loopback, one CPU per node):
examples/sweeps/mnist1d_grid.yaml (96 configs) killed mid-sweep and rerun ends with 96
runs, none trained twice, each equal to the same config's run on the population backend.

The cluster is `ray.cluster_utils.Cluster`, started in a child process (so this test
process never imports Ray with cluster networking on); Ray's loopback-only mode
(`RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`) keeps every address on 127.0.0.1. Speed: one
epoch on 512 training samples (`--set`), populations of 16 (six tasks, two at a time).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

pytest.importorskip("ray")

# One Ray cluster at a time: with `pytest -n 2` these tests share one worker.
pytestmark = pytest.mark.xdist_group("ray")

from reglab.store import RunStore, config_hash, load_weights
from reglab.sweep import load_sweep, run_sweep

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "sweeps" / "mnist1d_grid.yaml"
FAST = ["epochs=1", "data.train_size=512", "trajectory.enabled=false"]
LOOPBACK = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "OMP_NUM_THREADS": "1"}

CLUSTER = """
import sys
from ray.cluster_utils import Cluster
cluster = Cluster(initialize_head=True, connect=False,
                  head_node_args={"num_cpus": 1, "node_ip_address": "127.0.0.1", "include_dashboard": False})
cluster.add_node(num_cpus=1, node_ip_address="127.0.0.1")
cluster.wait_for_nodes()
print(cluster.address, flush=True)
sys.stdin.read()          # until the test closes our stdin
cluster.shutdown()
"""


@pytest.fixture(scope="module")
def cluster_address():
    process = subprocess.Popen([sys.executable, "-c", CLUSTER], env=LOOPBACK, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        address = process.stdout.readline().strip()
        assert address.startswith("127.0.0.1:"), address
        yield address
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from reglab.cli import main; main()", *args]


def sweep_file(tmp_path: Path) -> Path:
    """The example's 96 configs, as populations of at most 16 (so the kill can land between tasks)."""
    tree = yaml.safe_load(EXAMPLE.read_text())
    tree["population"]["max_size"] = 16
    path = tmp_path / "mnist1d_grid.yaml"
    path.write_text(yaml.safe_dump(tree))
    return path


def between_tasks(store_dir: Path) -> bool:
    """Some populations are recorded and none is being recorded (the driver writes a task's 16 members in a row)."""
    if not (store_dir / "reglab.db").exists():
        return False
    with RunStore(store_dir) as store:
        statuses = Counter(run.status for run in store.runs(sweep="mnist1d_grid"))
    return statuses["completed"] > 0 and statuses["completed"] % 16 == 0 and statuses["running"] == 0


# About a minute alone; while the other pytest worker keeps the second core busy, the
# cluster's two nodes share one core and it has taken several.
@pytest.mark.timeout(900)
def test_ray_sweep_killed_and_rerun_equals_population_backend(tmp_path, cluster_address):
    path = sweep_file(tmp_path)
    ray_store = tmp_path / "ray"
    arguments = ["sweep", str(path), "--backend", "ray", "--address", cluster_address, "--store", str(ray_store)]
    arguments += [item for pair in (("--set", value) for value in FAST) for item in pair]
    driver = subprocess.Popen(cli(*arguments, "-q"), env=LOOPBACK, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not between_tasks(ray_store) and driver.poll() is None:
            time.sleep(0.05)
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait(timeout=30)
    finally:
        if driver.poll() is None:
            driver.kill()
    with RunStore(ray_store) as store:
        before = {run.id: config_hash(run.config) for run in store.runs(sweep="mnist1d_grid") if run.status == "completed"}
    assert 0 < len(before) < 96, f"the kill should land mid-sweep, found {len(before)} completed configs"

    rerun = subprocess.run(cli(*arguments), env=LOOPBACK, capture_output=True, text=True, timeout=400)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert f"96 configs, {len(before)} already done, {96 - len(before)} trained now" in rerun.stdout

    # The same configs on the population backend, in this process.
    reference_store = tmp_path / "population"
    spec = load_sweep(path, FAST)
    result = run_sweep(spec, backend="population", store=reference_store, quiet=True)
    assert result.statuses == {"completed": 96}

    with RunStore(ray_store) as store, RunStore(reference_store) as reference:
        runs = store.runs(sweep="mnist1d_grid")
        assert Counter(run.status for run in runs) == {"completed": 96}
        hashes = Counter(config_hash(run.config) for run in runs)
        assert len(hashes) == 96 and set(hashes.values()) == {1}, "a config was trained twice"
        assert set(before) <= {run.id for run in runs}, "a run recorded before the kill was trained again"
        expected = {config_hash(run.config): run for run in reference.runs(sweep="mnist1d_grid")}
        assert set(expected) == set(hashes)
        for run in runs:
            twin = expected[config_hash(run.config)]
            got, want = store.history(run.id), reference.history(twin.id)
            assert len(got) == len(want) == 1
            for key, value in want[0].items():
                if not key.startswith("time/"):
                    assert got[0][key] == pytest.approx(value, rel=1e-5, abs=1e-5), key
            weights, reference_weights = load_weights(store.run_dir(run.id) / "model.safetensors"), load_weights(reference.run_dir(twin.id) / "model.safetensors")
            assert weights.keys() == reference_weights.keys()
            for name, tensor in reference_weights.items():
                assert weights[name].allclose(tensor, rtol=1e-4, atol=1e-5), name
            assert run.summary["population"]["size"] == twin.summary["population"]["size"]


def test_ray_backend_without_ray_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.raises(Exception) as error:
        run_sweep(load_sweep(EXAMPLE), backend="ray", store=tmp_path / "store", quiet=True)
    assert 'pip install "reglab[ray]"' in str(error.value)
    assert not (tmp_path / "store").exists()


def test_optuna_search_on_ray_tasks(tmp_path, cluster_address):
    """Batches of trials as Ray tasks (two at once): each member recorded by the driver and told to the study."""
    import optuna
    from optuna.trial import TrialState

    from reglab.search.study import study_path
    from tests.conftest import tiny_digits

    path = tmp_path / "tpe.yaml"
    path.write_text(yaml.safe_dump({
        "name": "tpe_ray", "method": "tpe", "samples": 4, "batch": 2, "pruner": "median",
        "objective": {"metric": "val/acc"}, "base": tiny_digits(epochs=3),
        "parameters": {"optimizer.lr": [0.3, 0.1, 0.01, 1.0e-5], "model.dropout": {"uniform": [0.0, 0.3]}},
    }))
    store_dir = tmp_path / "store"
    done = subprocess.run(cli("sweep", str(path), "--backend", "ray", "--address", cluster_address, "--store", str(store_dir)), env=LOOPBACK, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "4 configs, 0 already done, 4 trained now" in done.stdout
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(study_path(store_dir, "tpe_ray"))))
    trials = {trial.user_attrs["run_id"]: trial for trial in optuna.load_study(study_name="tpe_ray", storage=storage).trials}
    with RunStore(store_dir) as store:
        runs = store.runs(sweep="tpe_ray")
        assert len(runs) == len(trials) == 4
        for run in runs:
            trial, history = trials[run.id], store.history(run.id)
            assert run.summary["population"]["size"] == 2
            assert trial.intermediate_values == {row["epoch"]: pytest.approx(row["val/acc"]) for row in history}
            assert trial.state == (TrialState.PRUNED if run.status == "pruned" else TrialState.COMPLETE)


PROGRESS_DRIVER = """
import json, os, sys, time
import ray
from reglab.store import RunStore
from reglab.sweep import run_sweep
from reglab.sweep.progress import SweepProgress
sweep, store_dir, address = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
seen = os.path.join(os.path.dirname(store_dir), "seen")

def hold_at_the_second_epoch():
    # on each worker: a member's second-epoch report waits until the driver saw the members
    # running, so what the test asserts does not hang on how fast this machine trains
    # (one deadline per worker, generous: a loaded machine may take a minute to start the
    # driver's tally actor)
    from reglab.sweep.backends import remote_progress
    send, deadline = remote_progress._send, []
    def holding(tally, task, member, share, metrics):
        send(tally, task, member, share, metrics)
        if metrics["epoch"] != 2:
            return
        if not deadline:
            deadline.append(time.monotonic() + 150)
        while not os.path.exists(seen) and time.monotonic() < deadline[0]:
            time.sleep(0.05)
    remote_progress._send = holding

shown, running = [], []
step = SweepProgress.step
def recording(self, fraction, show=True):
    shown.append(fraction)
    with RunStore(store_dir) as store:  # what `reglab runs list` and the dashboard see now
        epochs = [len(store.history(run.id)) for run in store.runs(sweep="progress") if run.status == "running"]
    running.append(epochs)
    if len(epochs) == 3 and all(0 < count < 4 for count in epochs):
        open(seen, "w").close()
    step(self, fraction, show)
SweepProgress.step = recording
ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level="WARNING",
         runtime_env={"worker_process_setup_hook": hold_at_the_second_epoch})
result = run_sweep(sweep, backend="ray", store=store_dir, quiet=True, address=address)
print(json.dumps({"statuses": result.statuses, "shown": shown, "running": running}))
"""


def test_members_epochs_in_ray_tasks_move_the_drivers_progress(tmp_path, cluster_address):
    """Each member epoch in a task reaches the driver's progress as 1/epochs of a config, and
    the store as a running run with its epochs, before the task returns."""
    import json

    from tests.conftest import tiny_digits

    sweep = {
        "name": "progress", "method": "grid",
        "base": tiny_digits(**{"epochs": 4, "data.train_size": 400, "data.batch_size": 16}),
        "parameters": {"optimizer.lr": [0.1, 0.05, 0.02]},
    }
    done = subprocess.run(
        [sys.executable, "-c", PROGRESS_DRIVER, json.dumps(sweep), str(tmp_path / "store"), cluster_address],
        env=LOOPBACK, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["statuses"] == {"completed": 3}
    assert outcome["shown"], "no member epoch reached the driver before its task returned"
    # the epochs a member reported between two polls arrive together
    assert all(share * 4 == pytest.approx(round(share * 4)) and share > 0 for share in outcome["shown"]), outcome["shown"]
    assert sum(outcome["shown"]) <= 3 + 1e-9
    # the members ran in the store while the task trained, their epochs written as they came
    assert any(len(epochs) == 3 and all(0 < count < 4 for count in epochs) for epochs in outcome["running"]), outcome["running"]
    with RunStore(tmp_path / "store") as store:
        runs = store.runs(sweep="progress")
        assert len(runs) == 3 and all(len(store.history(run.id)) == 4 for run in runs)  # the same runs, completed


def test_a_member_whose_data_cannot_load_fails_alone_and_is_stored(tmp_path, cluster_address):
    """One Ray task trains the population of four; the two members with label noise on a
    regression dataset cannot build their data. They fail, stored as failed runs with their
    error; the other two train as one population. (Before, the task returned one error for
    every member, which the driver could not even unpickle.)"""
    path = tmp_path / "noise.yaml"
    path.write_text(yaml.safe_dump({
        "name": "noise",
        "base": {"epochs": 2, "device": "cpu", "loss": "mse", "data": {"dataset": "toy_regression", "batch_size": 25}, "model": {"hidden": [8]}},
        "parameters": {"data.label_noise": [0.0, 0.2], "seed": [0, 1]},
    }))
    store_dir = tmp_path / "store"
    done = subprocess.run(cli("sweep", str(path), "--backend", "ray", "--address", cluster_address, "--store", str(store_dir), "-q"),
                          env=LOOPBACK, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr[-2000:]
    refused = "ConfigError: data.label_noise: got 0.2; allowed: no label corruption for regression datasets (they have no classes)"
    assert [line for line in done.stderr.splitlines() if line.startswith("failed: ")] == [
        f"failed: data.label_noise=0.2 seed=0: {refused}", f"failed: data.label_noise=0.2 seed=1: {refused}"]
    assert "store holds 2 completed, 2 failed" in done.stdout
    with RunStore(store_dir) as store:
        runs = store.runs(sweep="noise")
    assert sorted((run.config["data"]["label_noise"], run.config["seed"], run.status) for run in runs) == [
        (0.0, 0, "completed"), (0.0, 1, "completed"), (0.2, 0, "failed"), (0.2, 1, "failed")]
    assert [run.summary["population"]["size"] for run in runs if run.status == "completed"] == [2, 2]
    assert [run.error for run in runs if run.status == "failed"] == [refused, refused]
