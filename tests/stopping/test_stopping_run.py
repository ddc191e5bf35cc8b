"""Early stopping in real runs on tiny digits: status, summary, restored weights, bad config."""

from __future__ import annotations

import pytest
import torch

import reglab
from reglab.config import ConfigError
from reglab.engine import Callback
from reglab.store import RunStore, load_weights
from tests.conftest import tiny_digits as _tiny_digits


def tiny_digits(**overrides):
    """tiny_digits without the trajectory recorder (not under test here; it costs time)."""
    return _tiny_digits(**{"trajectory.enabled": False, **overrides})


class _WeightsPerEpoch(Callback):
    kind = "observer"

    def __init__(self):
        self.states = {}

    def on_epoch_end(self, record):
        self.states[record.epoch] = {k: v.detach().clone() for k, v in record.model.state_dict().items()}


def test_gl_stops_a_digits_run_early_and_restores_the_best_weights(store_dir):
    config = tiny_digits(
        epochs=30,
        **{
            "model.hidden": [32],
            "early_stopping.criterion": "gl",
            "early_stopping.alpha": 2.0,
            "early_stopping.restore_best": True,
        },
    )
    recorder = _WeightsPerEpoch()
    run = reglab.train(config, store=store_dir, callbacks=[recorder])
    summary = run.summary
    assert run.status == "stopped_early"
    stop = summary["stop_epoch"]
    assert 2 <= stop < 30 and len(run.history) == stop
    assert summary["stop_criterion"] == "GL_2" and summary["epochs_saved"] == 30 - stop
    assert summary["stop_values"]["stopping/gl"] > 2.0
    # GL(t) of every recorded epoch matches the formula on E_va = 1 − val/acc
    errors = [1 - row["val/acc"] for row in run.history]
    for t, row in enumerate(run.history[:-1]):
        assert row["stopping/gl"] == pytest.approx(100 * (errors[t] / min(errors[: t + 1]) - 1))
    # best epoch by the monitor (val/loss), and the run ends with that epoch's weights
    losses = [row["val/loss"] for row in run.history]
    best = losses.index(min(losses)) + 1
    assert summary["best_epoch"] == best == summary["restored_epoch"] and summary["best_monitor"] == "val/loss"
    for name, tensor in run.model.state_dict().items():
        assert torch.equal(tensor, recorder.states[best][name]), name
    assert summary["final_eval"]["val/loss"] == pytest.approx(losses[best - 1], rel=1e-6)
    stored = RunStore(store_dir).get_run(run.id)
    assert stored.status == "stopped_early" and stored.summary["stop_epoch"] == stop
    saved = load_weights(store_dir / "runs" / run.id / "model.safetensors")
    assert torch.equal(saved["head.weight"], recorder.states[best]["head.weight"])


def test_patience_on_val_acc_and_its_per_epoch_metrics(store_dir):
    config = tiny_digits(
        epochs=30, **{"early_stopping.criterion": "patience", "early_stopping.patience": 2, "early_stopping.monitor": "val/acc"}
    )
    run = reglab.train(config, store=store_dir)
    accuracies = [row["val/acc"] for row in run.history]
    best = accuracies.index(max(accuracies)) + 1
    assert run.status == "stopped_early"
    assert run.summary["stop_epoch"] == best + 2 == len(run.history)
    assert run.history[best - 1]["stopping/wait"] == 0 and run.history[best]["stopping/wait"] == 1
    assert run.summary["restored_epoch"] is None


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"data.dataset": "toy_regression", "data.train_size": None, "early_stopping.criterion": "patience", "early_stopping.monitor": "val/acc"},
         "early_stopping.monitor: got 'val/acc'"),
        ({"early_stopping.criterion": "patience", "early_stopping.start_from_epoch": 2}, "early_stopping.start_from_epoch"),
        ({"early_stopping.restore_best": True, "regularization.ema_decay": 0.9}, "early_stopping.restore_best: got True"),
        ({"data.dataset": "toy_regression", "data.train_size": None, "early_stopping.criterion": "gl", "early_stopping.monitor": "train/loss"},
         "early_stopping.criterion: got 'gl'"),
    ],
)
def test_bad_stopping_config_fails_before_the_store_is_touched(store_dir, overrides, message):
    with pytest.raises(ConfigError, match=message):
        reglab.train(tiny_digits(**overrides), store=store_dir)
    assert not (store_dir / "runs").exists() or not list((store_dir / "runs").iterdir())


def test_the_stopping_epoch_keeps_its_stopping_metrics(tmp_path):
    config = {
        "seed": 0, "epochs": 30, "device": "cpu",
        "data": {"dataset": "digits", "train_size": 200, "batch_size": 32},
        "model": {"hidden": [16]},
        "early_stopping": {"criterion": "patience", "patience": 1, "min_delta": 10.0},
    }
    run = reglab.train(config, store=tmp_path)
    assert run.status == "stopped_early"
    last = run.history[-1]
    assert "stopping/best" in last and "stopping/wait" in last
    assert run.summary["stop_values"]["stopping/wait"] == last["stopping/wait"]
