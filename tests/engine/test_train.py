"""End-to-end single runs on small offline data: accuracy, determinism, metrics, artifacts."""

from __future__ import annotations

import json
import math

import pytest
import torch
import yaml

import reglab
from reglab.engine import Callback, Stop
from reglab.store import RunStore, load_weights
from tests.conftest import tiny_digits

EPOCH_KEYS = {"train/loss", "train/acc", "val/loss", "val/acc", "test/loss", "test/acc", "lr", "time/epoch", "loss/data"}


def test_digits_mlp_reaches_95_percent(store_dir):
    config = reglab.load_config(overrides=["data.dataset=digits", "model.hidden=[64]", "epochs=20", "device=cpu"])
    run = reglab.train(config, store=store_dir)
    assert run.status == "completed"
    assert len(run.history) == 20
    assert run.history[-1]["test/acc"] >= 0.95
    assert EPOCH_KEYS <= set(run.history[-1])


def _without_timing(history):
    return [{key: value for key, value in row.items() if not key.startswith("time/")} for row in history]


def test_same_seed_repeats_bit_for_bit_on_cpu(store_dir):
    config = tiny_digits(**{"model.dropout": 0.2, "model.norm": "batch", "epochs": 3})
    first = reglab.train(config, store=store_dir)
    second = reglab.train(config, store=store_dir)
    assert _without_timing(first.history) == _without_timing(second.history)
    for (name, a), (_, b) in zip(first.model.state_dict().items(), second.model.state_dict().items()):
        assert torch.equal(a, b), name
    third = reglab.train(tiny_digits(**{"model.dropout": 0.2, "model.norm": "batch", "epochs": 3, "seed": 1}), store=store_dir)
    assert _without_timing(third.history) != _without_timing(first.history)


def test_regression_reports_loss_only(store_dir):
    run = reglab.train(
        {"data": {"dataset": "toy_regression"}, "epochs": 3, "device": "cpu", "optimizer": {"name": "adam", "lr": 0.01}},
        store=store_dir,
    )
    last = run.history[-1]
    assert "test/loss" in last and "train/loss" in last
    assert not any(key.endswith("/acc") for key in last)


def test_artifacts_are_written_and_weights_reload(store_dir):
    run = reglab.train(tiny_digits(), store=store_dir)
    folder = store_dir / "runs" / run.id
    assert yaml.safe_load((folder / "config.yaml").read_text())["data"]["dataset"] == "digits"
    assert (folder / "metrics.csv").read_text().splitlines()[0].count(",") >= 5
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["epochs"] == 2 and summary["status"] == "completed"
    weights = load_weights(folder / "model.safetensors")
    for name, tensor in run.model.state_dict().items():
        assert torch.equal(weights[name], tensor)
    stored = RunStore(store_dir).get_run(run.id)
    assert stored.status == "completed"
    assert stored.summary["final"]["test/acc"] == run.history[-1]["test/acc"]
    assert len(RunStore(store_dir).history(run.id)) == 2


class _Recorder(Callback):
    kind = "observer"

    def __init__(self):
        self.events = []
        self.step_every = 5

    def on_fit_start(self, record):
        self.events.append("fit_start")

    def on_epoch_start(self, record):
        self.events.append(f"epoch_start {record.epoch}")

    def on_step_end(self, record):
        self.events.append(f"step {record.step}")

    def on_eval_end(self, record):
        self.events.append(f"eval_end {record.epoch}")
        assert "test/acc" in record.metrics and "val/loss" in record.metrics
        return {"custom/evaluated": 1.0}

    def on_epoch_end(self, record):
        self.events.append(f"epoch_end {record.epoch}")
        assert record.metrics["custom/evaluated"] == 1.0
        with pytest.raises(TypeError):
            record.metrics["train/loss"] = 0.0  # records are read-only
        return {"custom/epoch_squared": float(record.epoch**2)}

    def on_fit_end(self, record):
        self.events.append("fit_end")
        return {"custom": "done"}


def test_callbacks_see_events_in_order_and_return_metrics(store_dir):
    recorder = _Recorder()
    run = reglab.train(tiny_digits(), store=store_dir, callbacks=[recorder])
    steps_per_epoch = math.ceil(run.data.train_x.shape[0] / 32)
    assert recorder.events[0] == "fit_start" and recorder.events[-1] == "fit_end"
    assert recorder.events[1] == "epoch_start 1"
    assert f"step {5}" in recorder.events and f"step {10}" in recorder.events
    assert recorder.events.index("eval_end 1") < recorder.events.index("epoch_end 1") < recorder.events.index("epoch_start 2")
    assert sum(event.startswith("step") for event in recorder.events) == (2 * steps_per_epoch) // 5
    assert [row["custom/epoch_squared"] for row in run.history] == [1.0, 4.0]
    assert RunStore(store_dir).history(run.id)[1]["custom/epoch_squared"] == 4.0
    assert run.summary["custom"] == "done"


class _StopAt(Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, record):
        return Stop("asked to", criterion="test") if record.epoch == self.epoch else None


def test_a_stop_signal_ends_the_run_as_stopped_early(store_dir):
    run = reglab.train(tiny_digits(epochs=5), store=store_dir, callbacks=[_StopAt(2)])
    assert run.status == "stopped_early"
    assert len(run.history) == 2
    assert run.summary["stop_criterion"] == "test"
    assert RunStore(store_dir).get_run(run.id).status == "stopped_early"


class _Explode(Callback):
    def on_epoch_end(self, record):
        if record.epoch == 3:
            raise RuntimeError("boom")


def test_a_failure_mid_run_keeps_earlier_epochs(store_dir):
    with pytest.raises(RuntimeError, match="boom"):
        reglab.train(tiny_digits(epochs=5), store=store_dir, callbacks=[_Explode()])
    store = RunStore(store_dir)
    (run,) = store.runs()
    assert run.status == "failed"
    assert "boom" in run.error
    # epoch 3 failed inside a callback before the store sink saw it; epochs 1-2 are kept
    assert [row["epoch"] for row in store.history(run.id)] == [1, 2]


def test_divergence_ends_the_run_as_diverged(store_dir):
    config = {"data": {"dataset": "toy_regression"}, "epochs": 30, "device": "cpu", "optimizer": {"lr": 5.0, "momentum": 0.9}}
    run = reglab.train(config, store=store_dir)
    assert run.status == "diverged"
    assert len(run.history) < 30
    assert not math.isfinite(run.history[-1]["train/loss"])
    assert run.summary["stop_criterion"] == "divergence"


def test_bad_config_writes_nothing(store_dir):
    with pytest.raises(reglab.ConfigError):
        reglab.train({"data": {"dataset": "mnist", "root": str(store_dir.parent / "nothing")}}, store=store_dir)
    assert not (store_dir / "reglab.db").exists()


def test_label_smoothing_changes_the_training_loss_only(store_dir):
    smoothed = reglab.train(tiny_digits(**{"augment.label_smoothing": 0.2}), store=store_dir)
    model, data = smoothed.model, smoothed.data
    model.eval()
    with torch.no_grad():
        plain_test_loss = torch.nn.functional.cross_entropy(model(data.test_x), data.test_y).item()
    assert smoothed.history[-1]["test/loss"] == pytest.approx(plain_test_loss, rel=1e-5)
