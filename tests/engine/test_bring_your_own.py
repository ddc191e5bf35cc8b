"""Your own module and your own data, in one run and in a population."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

import reglab
from reglab.config import ConfigError
from reglab.population import train_population
from tests.population.test_train import assert_same_history


class TinyConvNet(nn.Module):
    """Not a reglab model: a conv, a pool and a head."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.head = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(nn.functional.max_pool2d(self.conv(x), 2)).flatten(1))


def images(count: int = 120) -> tuple[torch.Tensor, torch.Tensor]:
    """Three classes of 8×8 images: a bright row, column or diagonal, with noise."""
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(count) % 3
    x = torch.randn(count, 1, 8, 8, generator=generator) * 0.3
    for index, label in enumerate(labels.tolist()):
        if label == 0:
            x[index, 0, 3, :] += 2
        elif label == 1:
            x[index, 0, :, 3] += 2
        else:
            x[index, 0].diagonal().add_(2)
    return x, labels


def config(seed: int = 0, lr: float = 0.1, epochs: int = 4) -> dict:
    return {"seed": seed, "epochs": epochs, "device": "cpu", "data": {"batch_size": 16, "val_size": 0.2, "test_size": 0.2},
            "optimizer": {"lr": lr, "momentum": 0.9}}


def test_a_users_module_trains_on_a_users_tensors(store_dir):
    model = TinyConvNet()
    run = reglab.train(config(), model=model, data=images(), store=store_dir)
    assert run.model is model and run.summary["model_source"] == "user module TinyConvNet"
    assert run.summary["data_source"] == "user data" and run.data.name == "user"
    assert run.data.train_x.shape[1:] == (1, 8, 8) and len(run.data.test_x) == 24
    assert run.history[-1]["test/acc"] > 0.9  # the three patterns are easy
    assert "param/l2/conv.weight" in run.history[-1]  # the trajectory knows the user's layers


def test_a_map_style_dataset_is_read_once_into_the_same_tensors(store_dir):
    x, y = images()
    from_tensors = reglab.train(config(epochs=1), model=lambda c: TinyConvNet(), data=(x, y), store=store_dir)
    from_dataset = reglab.train(config(epochs=1), model=lambda c: TinyConvNet(), data=TensorDataset(x, y), store=store_dir)
    assert torch.equal(from_tensors.data.train_x, from_dataset.data.train_x)
    assert from_tensors.history[0]["train/loss"] == from_dataset.history[0]["train/loss"]


def test_regression_targets_and_bad_data_are_told_apart(store_dir):
    x = torch.randn(64, 3)
    run = reglab.train(config(epochs=1), model=nn.Linear(3, 1), data=(x, x.sum(1)), store=store_dir)
    assert run.data.task == "regression" and "train/acc" not in run.history[0]
    with pytest.raises(ConfigError, match="as many targets"):
        reglab.train(config(), model=nn.Linear(3, 1), data=(x, x[:10, 0]), store=store_dir)
    with pytest.raises(ConfigError, match="nn.Module"):
        reglab.train(config(), model=lambda c: "not a module", data=(x, x.sum(1)), store=store_dir)


def test_a_users_module_in_a_population_equals_its_single_runs(store_dir):
    configs = [config(seed, lr) for seed, lr in ((0, 0.1), (1, 0.05), (2, 0.2))]
    factory = lambda c: TinyConvNet()  # noqa: E731  (each member's init from its own seed)
    members = train_population(configs, model=factory, data=images(), data_order="independent", store=store_dir)
    assert members[0].summary["population"]["engine"] == "vmap"
    for member_config, member in zip(configs, members):
        assert_same_history(member, reglab.train(member_config, model=factory, data=images(), store=store_dir), rtol=1e-4)


def test_a_run_on_your_own_module_resumes_only_with_it(store_dir):
    from reglab.store import RunStore
    from tests.engine.test_resume import InterruptAt

    with pytest.raises(KeyboardInterrupt):
        reglab.train(config(), model=TinyConvNet(), data=images(), store=store_dir, callbacks=[InterruptAt(3)])
    stopped = RunStore(store_dir).runs()[0]
    with pytest.raises(ConfigError, match="the model and data"):
        reglab.resume(stopped.id, store=store_dir)  # rebuilt from the config: another model
    run = reglab.resume(stopped.id, store=store_dir, model=TinyConvNet(), data=images())
    assert run.status == "completed" and len(run.history) == 4


def test_activity_penalties_are_refused_where_torch_func_hides_the_hidden_outputs(store_dir):
    # a module of your own has no hidden blocks reglab can name; the vmap engine cannot hand them out
    settings = {**config(), "regularization": {"activity_l2": 0.01}}
    with pytest.raises(ConfigError, match=r"regularization.activity_l2: got 0.01; allowed: 0 for a model without hidden layers"):
        reglab.train(settings, model=TinyConvNet(), data=images(), store=store_dir)
    digits = [reglab.load_config(overrides=["data.dataset=digits", "data.train_size=200", "model.hidden=[8]", "epochs=1",
                                            f"seed={seed}", "regularization.activity_l2=0.01"]) for seed in (0, 1)]
    with pytest.raises(ConfigError, match=r"regularization.activity_l2: got 0.01; allowed: 0 with your own module or engine vmap"):
        train_population(digits, store=store_dir, engine="vmap")
    assert not (store_dir / "runs").exists() or not list((store_dir / "runs").iterdir())
