"""The 96-config MNIST-1D grid (lr × weight decay × dropout × seed) on the population backend:
killed with SIGKILL mid-sweep, then resumed from the CLI; no run is lost or duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import yaml

from reglab.store import RunStore, config_hash
from reglab.sweep import expand_sweep, load_sweep

GRID = {
    "name": "mnist1d_grid",
    "backend": "population",
    "population": {"max_size": 16},
    "base": {
        "epochs": 2,
        "device": "cpu",
        "data": {"dataset": "mnist1d", "batch_size": 128},
        "model": {"hidden": [32, 32]},
        "optimizer": {"momentum": 0.9},
        "trajectory": {"enabled": False},
    },
    "parameters": {
        "optimizer.lr": [0.3, 0.1, 0.03, 0.01],
        "optimizer.weight_decay": [0.0, 1.0e-4, 1.0e-3],
        "model.dropout": [0.0, 0.2],
        "seed": [0, 1, 2, 3],
    },
}


def cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from reglab.cli import main; main()", *args]


def completed(store_dir) -> int:
    if not (store_dir / "reglab.db").exists():
        return 0
    with RunStore(store_dir) as store:
        return len(store.completed_hashes(GRID["name"]))


def mid_population(store_dir) -> bool:
    """A population has finished and the next one is training, none of its members recorded yet.

    Members are recorded one by one as a population ends: "some completed, some running" also
    holds while the FIRST population finishes, and a kill landing then can find them all
    completed and no run to interrupt. Whole populations completed and rows running cannot be
    mistaken so."""
    if not (store_dir / "reglab.db").exists():
        return False
    with RunStore(store_dir) as store:
        statuses = Counter(run.status for run in store.runs(sweep=GRID["name"]))
    size = GRID["population"]["max_size"]
    return statuses["running"] > 0 and statuses["completed"] >= size and statuses["completed"] % size == 0


def test_killed_grid_resumes_without_losing_or_duplicating_runs(tmp_path, store_dir):
    sweep_file = tmp_path / "grid.yaml"
    sweep_file.write_text(yaml.safe_dump(GRID))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(cli("sweep", str(sweep_file), "--store", str(store_dir), "-q"), env=env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not mid_population(store_dir) and process.poll() is None:
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    done_before = completed(store_dir)
    assert 0 < done_before < 96, f"the kill should land mid-sweep, found {done_before} completed configs"
    with RunStore(store_dir) as store:  # reopening marks the killed population's members interrupted
        assert Counter(run.status for run in store.runs(sweep=GRID["name"]))["interrupted"] > 0

    resumed = subprocess.run(cli("sweep", str(sweep_file), "--store", str(store_dir)), env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done_before} already done, {96 - done_before} trained now" in resumed.stdout

    expected = {point.hash for point in expand_sweep(load_sweep(GRID))}
    with RunStore(store_dir) as store:
        runs = store.runs(sweep=GRID["name"])
        assert Counter(run.status for run in runs) == {"completed": 96}
        per_config = Counter(config_hash(run.config) for run in runs)
        assert set(per_config) == expected and set(per_config.values()) == {1}
        assert all(len(store.history(run.id)) == 2 for run in runs[:5])

    listing = subprocess.run(
        cli(
            "runs", "list", "--sweep", GRID["name"], "--sort", "test/acc", "--limit", "5", "--store", str(store_dir),
            "--columns", "optimizer.lr,optimizer.weight_decay,model.dropout,seed",
        ),
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert listing.returncode == 0 and "5 runs of sweep mnist1d_grid" in listing.stdout
    header = next(line for line in listing.stdout.splitlines() if line.startswith("id "))
    assert all(column in header for column in ("lr", "dropout", "seed", "test acc"))
    assert "lr = optimizer.lr" in listing.stdout and "dropout = model.dropout" in listing.stdout
