"""A run stopped after some epochs and resumed from its checkpoint ends exactly as one never stopped."""

from __future__ import annotations

import json
import math

import pytest

import reglab
from reglab.cli.app import main
from reglab.config import ConfigError
from reglab.contract.events import Callback
from reglab.engine.checkpoint import CHECKPOINT_FILE
from reglab.population.checkpoint import read_member_checkpoint
from reglab.store import RunStore
from tests.conftest import tiny_digits

# dropout (global RNG), momentum, a step schedule, early stopping's state and the trajectory
CONFIG = tiny_digits(
    epochs=5,
    **{
        "model.dropout": 0.2,
        "model.norm": "batch",
        "schedule.name": "step",
        "schedule.step_size": 2,
        "early_stopping.criterion": "pq",
        "early_stopping.strip": 2,
        "early_stopping.alpha": 1000,
        "regularization.l1": 1e-4,
    },
)


class InterruptAt(reglab.Callback):
    """Ctrl-C at the start of an epoch: the epochs before it are finished and checkpointed."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_start(self, record) -> None:
        if record.epoch == self.epoch:
            raise KeyboardInterrupt


def weights_bytes(store_dir, run_id) -> bytes:
    return (RunStore(store_dir).run_dir(run_id) / "model.safetensors").read_bytes()


def test_a_resumed_run_ends_with_byte_identical_weights_and_history(store_dir):
    whole = reglab.train(CONFIG, store=store_dir)
    with pytest.raises(KeyboardInterrupt):
        reglab.train(CONFIG, store=store_dir, callbacks=[InterruptAt(3)])
    store = RunStore(store_dir)
    stopped = next(run for run in store.runs() if run.status == "interrupted")
    folder = store.run_dir(stopped.id)
    assert read_member_checkpoint(folder)[1]["epoch"] == 2
    assert (folder / "metrics.csv").is_file() and (folder / "model.safetensors").is_file()  # kept on interrupt
    resumed = reglab.resume(stopped.id[:6], store=store_dir)
    assert resumed.id == stopped.id and resumed.status == whole.status
    assert weights_bytes(store_dir, resumed.id) == weights_bytes(store_dir, whole.id)
    assert len(resumed.history) == len(whole.history) == 5
    for got, expected in zip(resumed.history, whole.history):
        assert set(got) == set(expected)
        for key, value in expected.items():
            if key != "time/epoch":
                assert got[key] == value or (math.isnan(got[key]) and math.isnan(value)), key
    assert [row["train/loss"] for row in RunStore(store_dir).history(resumed.id)] == [row["train/loss"] for row in whole.history]


def test_resume_from_the_command_line(store_dir, capsys):
    with pytest.raises(KeyboardInterrupt):
        reglab.train(CONFIG, store=store_dir, callbacks=[InterruptAt(2)])
    stopped = RunStore(store_dir).runs()[0]
    main(["train", "--resume", stopped.id, "--store", str(store_dir), "--quiet"])
    assert RunStore(store_dir).get_run(stopped.id).status == "completed"
    assert len(RunStore(store_dir).history(stopped.id)) == 5


def test_only_interrupted_runs_with_a_checkpoint_resume(store_dir):
    done = reglab.train(tiny_digits(), store=store_dir)
    with pytest.raises(ConfigError, match="an interrupted run"):
        reglab.resume(done.id, store=store_dir)
    with pytest.raises(ConfigError, match="the id"):
        reglab.resume("ffffffffffff", store=store_dir)
    assert (RunStore(store_dir).run_dir(done.id) / CHECKPOINT_FILE).is_file()


class InterruptAtStep(Callback):
    step_every = 1

    def __init__(self, step: int) -> None:
        self.step = step

    def on_step_end(self, record):
        if record.step == self.step:
            raise KeyboardInterrupt


def test_trajectory_step_rows_and_snapshots_resume_byte_for_byte(store_dir):
    # 200 samples / batch 32: 7 steps per epoch; cut at step 17, mid-epoch 3, after the step
    # snapshot of step 15 was written (it must go, and be written again)
    config = tiny_digits(epochs=4, **{"trajectory.every_steps": 3, "trajectory.snapshot_steps": {"every": 5},
                                      "trajectory.snapshot_epochs": {"every": 2}})
    whole = reglab.train(config, store=store_dir)
    with pytest.raises(KeyboardInterrupt):
        reglab.train(config, store=store_dir, callbacks=[InterruptAtStep(17)])
    store = RunStore(store_dir)
    stopped = next(run for run in store.runs() if run.status == "interrupted")
    assert (store.run_dir(stopped.id) / "snapshots" / "step_00000015.safetensors").is_file()
    resumed = reglab.resume(stopped.id, store=store_dir)
    a, b = store.run_dir(resumed.id), store.run_dir(whole.id)
    assert (a / "trajectory_steps.csv").read_bytes() == (b / "trajectory_steps.csv").read_bytes()
    files = sorted(path.name for path in (b / "snapshots").iterdir())
    assert sorted(path.name for path in (a / "snapshots").iterdir()) == files and "step_00000015.safetensors" in files
    assert json.loads((a / "snapshots" / "index.json").read_text()) == json.loads((b / "snapshots" / "index.json").read_text())
    for name in (name for name in files if name.endswith(".safetensors")):  # the same bytes
        assert (a / "snapshots" / name).read_bytes() == (b / "snapshots" / name).read_bytes(), name
    assert weights_bytes(store_dir, resumed.id) == weights_bytes(store_dir, whole.id)
    assert resumed.summary["trajectory"] == whole.summary["trajectory"]


@pytest.mark.parametrize(
    "averaging",
    [{"regularization.ema_decay": 0.9}, {"regularization.swa_start": 2}, {"regularization.swa_start": 2, "regularization.swa_lr": 0.05}],
    ids=["ema", "swa", "swa-lr"],
)
def test_weight_averages_resume_bit_for_bit(store_dir, averaging):
    """EMA and SWA keep their averages (and SWA its constant rate) in the checkpoint."""
    config = tiny_digits(epochs=4, **{"model.norm": "batch", "schedule.name": "cosine", **averaging})
    whole = reglab.train(config, store=store_dir)
    with pytest.raises(KeyboardInterrupt):
        reglab.train(config, store=store_dir, callbacks=[InterruptAt(4 if "regularization.swa_start" in averaging else 3)])
    stopped = next(run for run in RunStore(store_dir).runs() if run.status == "interrupted")
    resumed = reglab.resume(stopped.id, store=store_dir)
    assert weights_bytes(store_dir, resumed.id) == weights_bytes(store_dir, whole.id)
    assert [row.get("ema/val/loss", row.get("swa/models")) for row in resumed.history] == [
        row.get("ema/val/loss", row.get("swa/models")) for row in whole.history
    ]
    assert [row["lr"] for row in resumed.history] == [row["lr"] for row in whole.history]
    assert resumed.summary["final_weights"] == whole.summary["final_weights"]


def test_checkpoint_history_keeps_the_last_row_of_each_epoch_and_skips_a_cut_line(tmp_path):
    """A kill between an epoch's row and its checkpoint leaves the row twice once the epoch
    is trained again; a kill mid-write leaves a cut line. Reading takes the last of each."""
    from reglab.engine.checkpoint import HISTORY_FILE, append_history_row, read_history_rows

    for row in ({"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": 0.4}, {"epoch": 2, "loss": 0.3}, {"epoch": 3, "loss": float("nan")}):
        append_history_row(tmp_path, row)
    with open(tmp_path / HISTORY_FILE, "a", encoding="utf-8") as handle:
        handle.write('{"epoch": 4, "lo')
    rows = read_history_rows(tmp_path, 3)
    assert [row["loss"] for row in rows[:2]] == [0.5, 0.3] and math.isnan(rows[2]["loss"])
    assert read_history_rows(tmp_path, 2) == [{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": 0.3}]


def test_a_resumed_cnn_ends_with_byte_identical_weights(store_dir):
    """A CNN run (the stacked CNN engine: channels-last maps, batch norm, channel dropout) resumes exactly."""
    config = tiny_digits(epochs=4, **{"model.kind": "cnn", "model.channels": [4, 6], "model.hidden": [8],
                                      "model.norm": "batch", "model.dropout": 0.1})
    whole = reglab.train(config, store=store_dir)
    with pytest.raises(KeyboardInterrupt):
        reglab.train(config, store=store_dir, callbacks=[InterruptAt(3)])
    stopped = next(run for run in RunStore(store_dir).runs() if run.status == "interrupted")
    resumed = reglab.resume(stopped.id, store=store_dir)
    assert weights_bytes(store_dir, resumed.id) == weights_bytes(store_dir, whole.id)
    assert [row["train/loss"] for row in resumed.history] == [row["train/loss"] for row in whole.history]
