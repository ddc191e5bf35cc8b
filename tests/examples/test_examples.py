"""Every lab example config loads with `reglab.load_config` and trains for one epoch,
and the technique it is about is visibly on."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import reglab

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))
LAB_EXAMPLES = {
    "seed000_weight_decay", "seed000_batchnorm", "seed000_batchnorm_dropout", "seed000_pruning",
    "seed000_early_stopping_eopt", "seed002_l1", "seed002_l2", "seed002_l1_l2", "seed002_dropout_net",
    "seed002_bigger_net", "seed002_augmentation", "seed002_learning_rates", "seed002_random_labels",
}


@pytest.fixture(autouse=True)
def _one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # shared cores: one thread is many times faster for tiny nets
    yield
    torch.set_num_threads(threads)


def test_every_lab_experiment_has_an_example():
    assert {path.stem for path in EXAMPLES} == LAB_EXAMPLES


def _modules(run, kind):
    return [module for module in run.model.modules() if isinstance(module, kind)]


def _rates(run):
    return [module.p for module in _modules(run, torch.nn.Dropout)]


CHECKS = {
    "seed000_weight_decay": lambda run: run.config.optimizer.weight_decay == 5e-4,
    "seed000_batchnorm": lambda run: len(_modules(run, torch.nn.BatchNorm1d)) == 3,
    "seed000_batchnorm_dropout": lambda run: _rates(run) == [0.0, 0.2, 0.0] and len(_modules(run, torch.nn.BatchNorm1d)) == 3,
    "seed000_pruning": lambda run: run.history[-1]["param/sparsity/total"] > 0.4,
    "seed000_early_stopping_eopt": lambda run: run.summary.get("restored_epoch") == 1,
    "seed002_l1": lambda run: "loss/l1" in run.history[-1] and "loss/l2" not in run.history[-1],
    "seed002_l2": lambda run: "loss/l2" in run.history[-1] and "loss/l1" not in run.history[-1],
    "seed002_l1_l2": lambda run: {"loss/l1", "loss/l2"} <= set(run.history[-1]),
    "seed002_dropout_net": lambda run: _rates(run) == [0.5, 0.3],
    "seed002_bigger_net": lambda run: _rates(run) == [0.0, 0.0],
    "seed002_augmentation": lambda run: run.config.augment.any_image_transform(),
    "seed002_learning_rates": lambda run: run.history[-1]["lr"] == 5e-3,
    # Random labels agree with the true ones about 1/K of the time.
    "seed002_random_labels": lambda run: run.data.info["corruption"]["train_labels_changed"] > 0.8,
}


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example_loads_and_trains_one_epoch(path, store_dir):
    config = reglab.load_config(path)
    assert config.data.dataset in ("digits", "mnist1d")
    tiny = [("epochs", 1), ("device", "cpu")]
    if config.pruning.method != "none":
        tiny.append(("pruning.start_epoch", 1))
    run = reglab.train(reglab.load_config(path, tiny), store=store_dir)
    assert run.status == "completed" and len(run.history) == 1
    assert 0.0 <= run.history[-1]["test/acc"] <= 1.0
    assert CHECKS[path.stem](run)
