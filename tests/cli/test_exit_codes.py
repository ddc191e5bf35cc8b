"""Exit codes: 130 after Ctrl-C (with one line saying what was kept), 1 when configs failed,
2 for bad input, 0 otherwise."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time

import pytest
import yaml

from tests.cli.cli_helpers import run_cli
from tests.conftest import sigint_as_in_a_terminal
from reglab.config import ConfigError
from reglab.store import RunStore
from reglab.store.sqlite import RunStore as StoreClass

TINY = {"epochs": 3, "device": "cpu", "data": {"dataset": "digits", "train_size": 100, "batch_size": 50},
        "model": {"hidden": [8]}, "trajectory": {"enabled": False}}




def stored_epochs(store_dir) -> int:
    if not (store_dir / "reglab.db").exists():
        return 0
    try:
        with RunStore(store_dir, read_only=True) as store:
            return max((run.epochs for run in store.runs()), default=0)
    except ConfigError:  # the other process is creating the store's tables right now
        return 0


def interrupt_after_two_epochs(command: list[str], store_dir) -> tuple[subprocess.Popen, str]:
    """Start `command`, send it SIGINT once the store holds two epochs; return it and its stderr."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "OMP_NUM_THREADS": "1"}, preexec_fn=sigint_as_in_a_terminal)
    try:
        deadline = time.monotonic() + 120
        while stored_epochs(store_dir) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:  # it never stopped: no stray process trains on after the test
            process.kill()
            process.communicate()
    return process, err


def test_ctrl_c_on_train_exits_130_with_one_line(store_dir):
    """A real SIGINT to a real process, once it has committed two epochs."""
    command = [sys.executable, "-m", "reglab", "train", "--set", "epochs=100000", "--set", "device=cpu",
               "--set", "data.train_size=100", "--set", "model.hidden=[8]", "--store", str(store_dir), "--quiet"]
    process, err = interrupt_after_two_epochs(command, store_dir)
    assert process.returncode == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    with RunStore(store_dir, read_only=True) as store:
        (run,) = store.runs()
    assert run.status == "interrupted" and run.epochs >= 2
    again = shlex.join(["reglab", "train", "--resume", run.id, "--store", str(store_dir)])
    assert lines[0] == f"interrupted: run {run.id} keeps {run.epochs} epochs; resume with: {again}"


@pytest.fixture
def ctrl_c_after_two_epochs(monkeypatch):
    """Ctrl-C in this process right after the second epoch of the first run is committed."""
    original = StoreClass.log_epochs  # every epoch row goes through it

    def log_then_interrupt(self, run_id, rows):
        original(self, run_id, rows)
        if any(int(row["epoch"]) == 2 for row in rows):
            raise KeyboardInterrupt

    monkeypatch.setattr(StoreClass, "log_epochs", log_then_interrupt)


def test_ctrl_c_on_sweep_exits_130_and_says_how_to_resume(tmp_path, store_dir):
    """A real SIGINT to a sweep process, once its first run has committed two epochs."""
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text(yaml.safe_dump({"name": "s", "backend": "sequential", "base": {**TINY, "epochs": 100000},
                                          "parameters": {"optimizer.lr": [0.1, 0.01]}}))
    command = [sys.executable, "-m", "reglab", "sweep", str(sweep_file), "--store", str(store_dir), "--quiet"]
    process, err = interrupt_after_two_epochs(command, store_dir)
    assert process.returncode == 130, err
    with RunStore(store_dir) as store:
        (run,) = store.runs()
        assert store.claims("s") == []  # the claim went with the interrupted run
    assert run.status == "interrupted" and run.epochs >= 2
    assert err == f"interrupted: run {run.id} keeps {run.epochs} epochs; resume with: reglab sweep {sweep_file} --store {store_dir} --quiet\n"


class _CtrlCAfterBegin:
    """Wraps a store connection (or its cursor): the `nth` BEGIN IMMEDIATE returns and then
    meets a Ctrl-C, the window between two Python statements where a real SIGINT can land.
    `begun` counts the BEGINs of every connection it wraps."""

    def __init__(self, wrapped, nth: int, begun: list[int]):
        self._wrapped, self._nth, self._begun = wrapped, nth, begun

    def cursor(self):
        return _CtrlCAfterBegin(self._wrapped.cursor(), self._nth, self._begun)

    def execute(self, sql, *args):
        result = self._wrapped.execute(sql, *args)
        if sql == "BEGIN IMMEDIATE":
            self._begun[0] += 1
            if self._begun[0] == self._nth:
                raise KeyboardInterrupt
        return result

    def __getattr__(self, name):
        return getattr(self._wrapped, name)


@pytest.mark.parametrize("nth", [4, 7, 9])
def test_ctrl_c_just_after_a_store_transaction_began_still_exits_130(capsys, tmp_path, store_dir, monkeypatch, nth):
    """The interrupt leaves a transaction open; recording the interruption must not fail
    on it ("cannot start a transaction within a transaction" exited 1 with a traceback)."""
    begun = [0]
    connect = StoreClass._connect
    monkeypatch.setattr(StoreClass, "_connect", lambda store: _CtrlCAfterBegin(connect(store), nth, begun))
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text(yaml.safe_dump({"name": "s", "backend": "sequential", "base": {**TINY, "epochs": 5},
                                          "parameters": {"optimizer.lr": [0.1, 0.01]}}))
    code, _, err = run_cli(capsys, "sweep", str(sweep_file), "--store", str(store_dir), "--quiet")
    assert begun[0] > nth and code == 130, err  # the interruption was recorded by later transactions
    assert err.startswith("interrupted: run ") and err.endswith(f"resume with: reglab sweep {sweep_file} --store {store_dir} --quiet\n")
    monkeypatch.undo()
    with RunStore(store_dir) as store:
        (run,) = store.runs()
        assert run.status == "interrupted" and store.claims("s") == []


def test_ctrl_c_between_two_runs_of_a_sweep_says_how_many_finished(capsys, tmp_path, store_dir, monkeypatch):
    """Interrupted as it claims its second config, the sweep has finished one run and left none."""
    from reglab.sweep.backends.context import SweepContext

    claim, claims = SweepContext.claim, []

    def claim_then_ctrl_c(context, points):
        claims.append(points)
        if len(claims) == 2:
            raise KeyboardInterrupt
        return claim(context, points)

    monkeypatch.setattr(SweepContext, "claim", claim_then_ctrl_c)
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text(yaml.safe_dump({"name": "s", "backend": "sequential", "base": TINY,
                                          "parameters": {"optimizer.lr": [0.1, 0.01]}}))
    code, _, err = run_cli(capsys, "sweep", str(sweep_file), "--store", str(store_dir), "--quiet")
    assert code == 130
    assert err == f"interrupted between runs: 1 finished, none left unfinished; resume with: reglab sweep {sweep_file} --store {store_dir} --quiet\n"


def test_ctrl_c_on_a_processes_sweep_exits_130_without_starting_the_queued_configs(tmp_path, store_dir):
    """The pool had queued the next configs for its worker: once interrupted, the worker
    starts none of them, and the sweep exits at once instead of training them first."""
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text(yaml.safe_dump({"name": "s", "backend": "processes", "base": {**TINY, "epochs": 100000},
                                          "parameters": {"optimizer.lr": [0.1, 0.05, 0.02]}}))
    command = [sys.executable, "-m", "reglab", "sweep", str(sweep_file), "--store", str(store_dir), "--workers", "1", "--quiet"]
    process, err = interrupt_after_two_epochs(command, store_dir)
    assert process.returncode == 130, err
    with RunStore(store_dir) as store:
        (run,) = store.runs()
        assert store.claims("s") == []
    assert run.status == "interrupted" and run.epochs >= 2
    assert err.startswith(f"interrupted: run {run.id} keeps {run.epochs} epochs; resume with: reglab sweep {sweep_file}")


def test_ctrl_c_on_compare_exits_130(capsys, store_dir, ctrl_c_after_two_epochs):
    code, _, err = run_cli(capsys, "compare", "--vary", "optimizer.lr=0.1,0.01", "--set", "epochs=3", "--set", "device=cpu",
                           "--set", "data.train_size=100", "--set", "model.hidden=[8]", "--store", str(store_dir), "--quiet")
    assert code == 130
    assert re.fullmatch(r"interrupted: run [0-9a-f]{12} keeps 2 epochs; start again with: reglab compare .*\n", err)


def test_ctrl_c_on_demo_exits_130_naming_the_run_it_left(capsys, store_dir, ctrl_c_after_two_epochs):
    code, _, err = run_cli(capsys, "demo", "--epochs", "3", "--store", str(store_dir))
    [run] = RunStore(store_dir).runs()
    assert code == 130 and (run.status, run.epochs) == ("interrupted", 2)
    assert err == f"interrupted: run {run.id} keeps 2 epochs; start again with: reglab demo --epochs 3 --store {store_dir}\n"


def test_a_sweep_with_a_failed_config_exits_1(capsys, tmp_path, store_dir, monkeypatch):
    import reglab.engine.run as engine_run

    original = engine_run.train

    def train_failing_on_small_lr(config, **kwargs):
        if config.optimizer.lr < 0.05:
            raise RuntimeError("simulated failure")
        return original(config, **kwargs)

    monkeypatch.setattr(engine_run, "train", train_failing_on_small_lr)
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text(yaml.safe_dump({"name": "s", "backend": "sequential", "base": {**TINY, "epochs": 1},
                                          "parameters": {"optimizer.lr": [0.1, 0.01]}}))
    code, out, err = run_cli(capsys, "sweep", str(sweep_file), "--store", str(store_dir), "--quiet")
    assert code == 1
    assert "2 trained now" in out
    assert "failed: optimizer.lr=0.01: RuntimeError: simulated failure" in err


def test_a_train_that_raises_exits_1_in_one_line_and_is_stored_as_failed(capsys, store_dir, monkeypatch):
    import reglab.population.loop as loop

    def broken_fit(*args, **kwargs):
        raise RuntimeError("simulated\nfailure")

    monkeypatch.setattr("reglab.population.train.fit_population", broken_fit)
    code, _, err = run_cli(capsys, "train", "--set", "device=cpu", "--set", "data.train_size=100", "--store", str(store_dir))
    with RunStore(store_dir) as store:
        (run,) = store.runs()
    assert code == 1 and run.status == "failed"
    assert err.splitlines() == [f"run {run.id} failed: RuntimeError: simulated failure", f"see: reglab runs show {run.id} --store {store_dir}"]
    assert loop.fit_population is not broken_fit


def test_bad_input_exits_2_and_help_exits_0(capsys, store_dir):
    assert run_cli(capsys, "train", "--set", "optimizer.lr=inf", "--store", str(store_dir))[0] == 2
    assert run_cli(capsys, "--help")[0] == 0
    assert run_cli(capsys)[0] == 0
    assert not store_dir.exists()


def test_ctrl_c_says_which_runs_train_again_for_want_of_a_checkpoint(store_dir, monkeypatch):
    """A Ray driver stores its members' epochs as they come, without checkpoints: a rerun trains them again."""
    import reglab.cli.interrupt as interrupt
    from reglab.engine.checkpoint import CHECKPOINT_FILE

    monkeypatch.setattr(interrupt, "_watched", {})
    interrupt.watch_store(store_dir, resumes=True, sweep="s")
    with RunStore(store_dir) as store:
        ids = [store.start_run("run", {**TINY, "seed": seed}, sweep="s") for seed in range(3)]
        for run_id in ids:
            store.log_epoch(run_id, 1, {"val/acc": 0.5})
        (store.run_dir(ids[0]) / CHECKPOINT_FILE).write_bytes(b"")  # this one continues from its checkpoint
    line = interrupt.interrupted_line(["sweep", "s.yaml"])
    assert line.startswith("interrupted: 3 runs keep their epochs: ")
    assert line.endswith(" (2 of them train again: no checkpoint); resume with: reglab sweep s.yaml")
    with RunStore(store_dir) as store:
        assert {run.status for run in store.runs()} == {"interrupted"}
