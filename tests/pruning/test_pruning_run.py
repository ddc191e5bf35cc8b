"""Magnitude pruning in real runs on tiny digits: schedule, metrics, summary, saved weights, errors."""

from __future__ import annotations

import copy

import pytest
import torch

import reglab
from reglab.config import ConfigError
from reglab.engine import Callback
from reglab.store import RunStore, load_weights
from tests.conftest import tiny_digits

WEIGHTS = ("hidden.0.linear.weight", "head.weight")  # 64·16 + 16·10 = 1184 entries


class _MaskWatcher(Callback):
    """The pruned entries (exact zeros) and the weights at each epoch end; deep-copies the model mid-epoch."""

    kind = "observer"
    step_every = 3

    def __init__(self):
        self.masks, self.weights, self.copies = {}, {}, 0

    def on_step_end(self, record):
        copy.deepcopy(record.model)  # what a user's averaging callback does; must work while pruned
        self.copies += 1

    def on_epoch_end(self, record):
        weights = record.state_dict()
        self.masks[record.epoch] = {name: (weights[name] != 0).float() for name in WEIGHTS if bool((weights[name] == 0).any())}
        self.weights[record.epoch] = {name: weights[name].clone() for name in WEIGHTS}


def test_iterative_pruning_follows_the_schedule_and_keeps_zeros(store_dir):
    config = tiny_digits(
        epochs=6,
        **{
            "pruning.method": "magnitude",
            "pruning.schedule": "iterative",
            "pruning.amount": 0.5,
            "pruning.start_epoch": 2,
            "pruning.every": 2,
            "pruning.rounds": 3,
        },
    )
    watcher = _MaskWatcher()
    run = reglab.train(config, store=store_dir, callbacks=[watcher])
    # rounds at the ends of epochs 2, 4, 6; a = 0.5 on 1184 entries: 1 − 0.5^r exactly
    assert [row["pruning/sparsity"] for row in run.history] == [0.0, 0.5, 0.5, 0.75, 0.75, 0.875]
    assert [row["pruning/rounds_done"] for row in run.history] == [0, 1, 1, 2, 2, 3]
    assert set(watcher.masks[2]) == set(WEIGHTS) and watcher.masks[1] == {}
    # between rounds (momentum 0.9 training in epoch 3) the pruned entries stayed exactly 0
    for name in WEIGHTS:
        pruned = watcher.masks[2][name] == 0
        assert torch.all(watcher.weights[3][name][pruned] == 0), name
    assert watcher.copies > 0
    summary = run.summary
    assert summary["sparsity"] == 0.875 and summary["pruning_rounds_done"] == 3
    assert set(summary["sparsity_per_layer"]) == set(WEIGHTS)
    assert run.history[-1]["pruning/sparsity/head.weight"] == summary["sparsity_per_layer"]["head.weight"]
    # the final model is plain, with exact zeros, and saved that way
    names = [name for name, _ in run.model.named_parameters()]
    assert "head.weight" in names and not any(name.endswith("_orig") for name in names)
    saved = load_weights(store_dir / "runs" / run.id / "model.safetensors")
    zeros = sum(int((saved[name] == 0).sum()) for name in WEIGHTS)
    assert zeros == 1184 - 148  # 0.125 · 1184 survive
    assert RunStore(store_dir).get_run(run.id).summary["sparsity"] == 0.875


def test_one_shot_layer_scope_prunes_each_layer_by_the_amount(store_dir):
    config = tiny_digits(
        epochs=2,
        **{"pruning.method": "magnitude", "pruning.amount": 0.3, "pruning.scope": "layer", "pruning.start_epoch": 1},
    )
    run = reglab.train(config, store=store_dir)
    per_layer = run.summary["sparsity_per_layer"]
    assert per_layer == {"hidden.0.linear.weight": round(0.3 * 1024) / 1024, "head.weight": round(0.3 * 160) / 160}
    assert run.summary["pruning_rounds_done"] == 1


@pytest.mark.parametrize(
    "averaging, name",
    [({"regularization.ema_decay": 0.9}, "ema"), ({"regularization.swa_start": 3, "regularization.swa_lr": 0.05}, "swa")],
)
def test_weight_averages_of_a_pruned_run_keep_its_zeros(store_dir, averaging, name):
    # rounds at the ends of epochs 2 and 4 (0.5 of what remains: 0.25 of 1184 weights survive);
    # the SWA average starts at epoch 3, between the rounds, so round 2 must prune it too
    config = tiny_digits(
        epochs=6,
        **{"pruning.method": "magnitude", "pruning.schedule": "iterative", "pruning.amount": 0.5,
           "pruning.start_epoch": 2, "pruning.every": 2, "pruning.rounds": 2},
        **averaging,
    )
    run = reglab.train(config, store=store_dir)
    assert run.summary["final_weights"] == name
    assert [row["pruning/sparsity"] for row in run.history] == [0.0, 0.5, 0.5, 0.75, 0.75, 0.75]
    saved = load_weights(store_dir / "runs" / run.id / "model.safetensors")
    assert sum(int((saved[weight] == 0).sum()) for weight in WEIGHTS) == 1184 - 296


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"pruning.method": "magnitude", "pruning.start_epoch": 5}, "pruning.start_epoch: got 5"),
        ({"pruning.method": "magnitude", "pruning.schedule": "iterative", "pruning.rounds": 3}, "pruning.rounds: got 3"),
        ({"pruning.method": "lottery", "early_stopping.criterion": "patience"}, "early_stopping.criterion"),
        ({"pruning.method": "lottery", "early_stopping.restore_best": True}, "early_stopping.restore_best"),
        ({"pruning.method": "lottery", "regularization.ema_decay": 0.9}, "regularization.ema_decay: got 0.9"),
        ({"pruning.method": "lottery", "regularization.swa_start": 1}, "regularization.swa_start: got 1"),
        ({"pruning.method": "lottery", "pruning.rewind_step": 15}, "pruning.rewind_step: got 15; allowed: 0 to 14"),
    ],
)
def test_impossible_pruning_configs_fail_before_the_store_is_touched(store_dir, overrides, message):
    with pytest.raises(ConfigError, match=message):
        reglab.train(tiny_digits(**overrides), store=store_dir)  # 2 epochs of 7 steps
    assert not (store_dir / "runs").exists() or not list((store_dir / "runs").iterdir())
