"""Two tiny digits runs of one sweep, with weight snapshots, shared by the tracking tests."""

from __future__ import annotations

import pytest

from reglab.engine.run import train
from reglab.store import RunStore
from tests.cli import cli_helpers
from tests.conftest import tiny_digits


@pytest.fixture(scope="session")
def tracked_store(tmp_path_factory):
    """A store with two runs of sweep `tiny` (lr 0.1 and 0.05), snapshots after epochs 1 and 2."""
    folder = tmp_path_factory.mktemp("tracked") / "store"
    with RunStore(folder) as store:
        for lr in (0.1, 0.05):
            config = tiny_digits(**{"optimizer.lr": lr, "trajectory.snapshot_epochs": [1, 2], "name": f"lr{lr}"})
            train(config, store=store, sweep="tiny")
    return folder


@pytest.fixture(scope="session")
def mlflow_uri(tmp_path_factory):
    """One MLflow SQLite database for the tracking tests (creating its tables takes seconds)."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


def run_cli(capsys, *args: str) -> tuple[int, str]:
    """Run the CLI in-process; return (exit code, stdout + stderr)."""
    code, out, err = cli_helpers.run_cli(capsys, *args)
    return code, out + err
