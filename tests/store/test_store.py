"""The run store: round trips, interrupted runs, concurrent writers, exports."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys

import pytest

from reglab.store import RunStore
from reglab.store.export import rows_to_csv, run_rows, sort_rows


def test_round_trip_of_a_run(tmp_path):
    store = RunStore(tmp_path)
    run_id = store.start_run("a", {"seed": 1, "optimizer": {"lr": 0.1}}, sweep="s")
    store.log_epoch(run_id, 1, {"train/loss": 0.5, "val/acc": float("nan")})
    store.log_epoch(run_id, 2, {"train/loss": 0.25})
    store.finish_run(run_id, "completed", {"best_epoch": 2, "final": {"train/loss": 0.25}})
    run = store.get_run(run_id)
    assert (run.name, run.status, run.sweep, run.epochs) == ("a", "completed", "s", 2)
    assert run.config == {"seed": 1, "optimizer": {"lr": 0.1}}
    history = store.history(run_id)
    assert [row["epoch"] for row in history] == [1, 2]
    assert history[1]["train/loss"] == 0.25
    assert history[0]["val/acc"] != history[0]["val/acc"]  # NaN survives as NaN
    assert store.resolve_id(run_id[:6]) == run_id
    assert store.run_dir(run_id).is_dir()


def test_a_non_finite_summary_is_strict_json_that_sqlite_reads(tmp_path):
    import json
    import sqlite3

    import numpy
    import torch

    from reglab.store.artifacts import write_summary

    store = RunStore(tmp_path)
    run_id = store.start_run("diverged", {"seed": 0})
    summary = {"final_eval": {"val/loss": float("nan"), "val/acc": 0.1}, "best": float("inf"),
               "lr": numpy.float32(0.5), "norm": torch.tensor(2.0), "stop_epoch": None, "rounds": (1, float("-inf"))}
    store.finish_run(run_id, "diverged", summary)
    connection = sqlite3.connect(tmp_path / "reglab.db")
    extracted = connection.execute(
        "SELECT json_extract(summary, '$.final_eval.\"val/acc\"'), json_extract(summary, '$.final_eval.\"val/loss\"'),"
        " json_extract(summary, '$.lr'), json_extract(summary, '$.norm') FROM runs"
    ).fetchone()
    assert extracted == (0.1, None, 0.5, 2.0)
    read = store.get_run(run_id).summary
    assert read["final_eval"] == {"val/acc": 0.1, "val/loss": None}
    assert read["best"] is None and read["stop_epoch"] is None and read["rounds"] == [1, None]
    path = write_summary(tmp_path, summary)
    assert json.loads(path.read_text(), parse_constant=lambda name: pytest.fail(f"{name} in summary.json"))["best"] is None


def test_wal_mode_is_on(tmp_path):
    store = RunStore(tmp_path)
    assert store._connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_dead_process_runs_become_interrupted(tmp_path):
    store = RunStore(tmp_path)
    run_id = store.start_run("ghost", {})
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    store._connection.execute("UPDATE runs SET pid = ? WHERE id = ?", (dead.pid, run_id))
    live_id = store.start_run("alive", {})  # our own pid: stays running
    reopened = RunStore(tmp_path)
    assert reopened.get_run(run_id).status == "interrupted"
    assert reopened.get_run(live_id).status == "running"


def _writer(directory: str, worker: int, epochs: int) -> None:
    store = RunStore(directory)
    for run in range(3):
        run_id = store.start_run(f"w{worker}-{run}", {"worker": worker, "run": run})
        for epoch in range(1, epochs + 1):
            store.log_epoch(run_id, epoch, {"train/loss": 1.0 / epoch, "worker": float(worker)})
        store.finish_run(run_id, "completed", {"epochs": epochs})


def test_concurrent_writers_lose_nothing(tmp_path):
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(tmp_path), worker, 20)) for worker in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
        assert process.exitcode == 0
    store = RunStore(tmp_path)
    runs = store.runs()
    assert len(runs) == 12
    assert all(run.status == "completed" and run.epochs == 20 for run in runs)
    assert all(len(store.history(run.id)) == 20 for run in runs)
    assert store._connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_export_rows_flatten_config_and_sort_missing_last(tmp_path):
    store = RunStore(tmp_path)
    for lr, acc in ((0.1, 0.9), (0.01, 0.95), (0.5, None)):
        run_id = store.start_run("r", {"optimizer": {"lr": lr}, "model": {"hidden": [4, 4]}})
        final = {"test/acc": acc} if acc is not None else {}
        store.finish_run(run_id, "completed", {"final": final})
    rows = run_rows(store.runs())
    assert rows[0]["optimizer.lr"] == 0.1 and rows[0]["model.hidden"] == "[4, 4]"
    ordered = sort_rows(rows, "test/acc", descending=True)
    assert [row.get("test/acc") for row in ordered] == [0.95, 0.9, None]
    csv_text = rows_to_csv(rows)
    assert csv_text.splitlines()[0].startswith("id,name,status,epochs")
    assert "optimizer.lr" in csv_text.splitlines()[0]


def test_epochs_column_counts_epochs_trained(tmp_path):
    store = RunStore(tmp_path)
    run_id = store.start_run("early", {"epochs": 30, "name": "early", "seed": 3})
    for epoch in (1, 2, 3):
        store.log_epoch(run_id, epoch, {"train/loss": 1.0})
    store.finish_run(run_id, "stopped_early", {"final": {}})
    (row,) = run_rows(store.runs())
    assert (row["epochs"], row["epochs_planned"], row["name"], row["seed"]) == (3, 30, "early", 3)


def test_a_run_that_failed_before_it_started_is_one_failed_row_with_its_config_and_error(tmp_path):
    from reglab.store import config_hash

    store = RunStore(tmp_path)
    config = {"seed": 1, "data": {"dataset": "mnist", "root": "/mnt/lab/mnist"}}
    line = "ConfigError: data.root: got '/mnt/lab/mnist'; allowed: a folder holding the IDX files"
    run_id = store.record_failed_run("grid", config, line, sweep="grid")
    run = store.get_run(run_id)
    assert (run.status, run.config, run.summary, run.error, run.sweep, run.epochs) == ("failed", config, {"error": line}, line, "grid", 0)
    assert run.ended_at == run.started_at and store.run_dir(run_id).is_dir()
    traced = store.record_failed_run("grid", {"seed": 2}, "OSError: disk", sweep="grid", trace="Traceback ...\nOSError: disk")
    assert store.get_run(traced).error == "Traceback ...\nOSError: disk"
    other = store.start_run("grid", config, sweep="other")
    assert store.runs_of_configs("grid", [config_hash(config), config_hash({"seed": 2}), "0" * 16]) == {
        config_hash(config): [run_id], config_hash({"seed": 2}): [traced]}
    assert store.runs_of_configs("other", [config_hash(config)]) == {config_hash(config): [other]}
    assert store.runs_of_configs(None, [config_hash(config)]) == {}
