"""EMA and SWA in a population: members with their own decays, starts and rates, each equal
to its own single run (weights included), while members leave the population and its shards."""

from __future__ import annotations

import pytest
import torch

import reglab
from reglab.averaging import StochasticWeightAveraging, WeightEMA
from reglab.config import validate_config
from reglab.population import train_population
from tests.conftest import tiny_digits
from tests.population.test_train import assert_same_history, assert_same_weights

# Batch norm (averaged buffers, SWA's statistics pass) and dropout (the pass draws masks).
BASE = {"epochs": 3, "model.norm": "batch", "model.dropout": 0.2, "model.hidden": [16, 16]}


def _assert_members_equal_single_runs(configs, store_dir, keys):
    validated = [validate_config(config) for config in configs]
    # two shards: members finishing early are dropped from one and the shards merged again
    members = train_population(validated, store=store_dir, data_order="independent", shards=2)
    for config, member in zip(validated, members):
        single = reglab.train(config, store=store_dir)
        assert member.status == single.status
        # batch norm over K·width stacked features sums in another order than one run's,
        # and three epochs grow that to ~2e-5 at 2 threads: 1e-4, as the weights below
        assert_same_history(member, single, rtol=1e-4)
        assert member.summary["final_eval"] == pytest.approx(single.summary["final_eval"], rel=1e-4, abs=1e-5)
        for key in keys:
            assert member.summary[key] == single.summary[key], key
        # 2.8e-6 on a weight near zero, among weights up to 0.2, at 2 threads on an AMD EPYC
        assert_same_weights(member.model.state_dict(), single.model.state_dict(), rtol=1e-4)
    return members


def test_ema_members_with_their_own_decays_equal_their_single_runs(store_dir):
    stops = [  # member 0 stops after epoch 1 on a threshold of the EMA's own metric, member 1 after epoch 2
        {"early_stopping.monitor": "ema/val/loss", "early_stopping.threshold": 100.0},
        {"early_stopping.monitor": "ema/val/loss", "early_stopping.threshold": 100.0, "early_stopping.start_from_epoch": 1},
        {},
    ]
    configs = [
        tiny_digits(seed=seed, **BASE, **{"regularization.ema_decay": decay}, **stop)
        for seed, decay, stop in zip((0, 1, 2), (0.5, 0.9, 0.99), stops)
    ]
    members = _assert_members_equal_single_runs(configs, store_dir, ("final_weights", "ema/decay", "ema/updates"))
    assert [len(member.history) for member in members] == [1, 2, 3]
    assert [member.summary["ema/decay"] for member in members] == [0.5, 0.9, 0.99]
    # the members end with their averages, not their trained weights
    last = members[2].history[-1]
    assert members[2].summary["final_eval"]["val/loss"] == pytest.approx(last["ema/val/loss"], rel=1e-5)
    assert members[2].summary["final_eval"]["val/loss"] != pytest.approx(last["val/loss"], rel=1e-4)


def test_swa_members_with_their_own_starts_and_rates_equal_their_single_runs(store_dir):
    configs = [
        tiny_digits(seed=seed, **BASE, **{"schedule.name": "cosine", "regularization.swa_start": start, "regularization.swa_lr": rate})
        for seed, start, rate in ((0, 1, 0.05), (1, 2, None), (2, 3, 0.02))
    ]
    configs[0].update({"early_stopping": {"threshold": 100.0, "start_from_epoch": 1}})  # stops after epoch 2
    members = _assert_members_equal_single_runs(configs, store_dir, ("final_weights", "swa/models", "swa/start"))
    assert [[row["swa/models"] for row in member.history] for member in members] == [[1, 2], [0, 1, 2], [0, 0, 1]]
    lrs = [[row["lr"] for row in member.history] for member in members]
    assert lrs[0] == pytest.approx([0.05, 0.05])
    # a per-step cosine over 21 steps is at 0.075 after epoch 1 and would reach 0 at the end:
    # SWA holds the rate of the member's first SWA step
    assert lrs[1] == pytest.approx([0.075, 0.075, 0.075])
    assert lrs[2][2] == pytest.approx(0.02)


def _averaging(state):
    return state.units.find((WeightEMA, StochasticWeightAveraging))


@pytest.mark.parametrize(
    "key, values, field",
    [("regularization.ema_decay", (0.5, 0.9, 0.99), "decays"), ("regularization.swa_start", (1, 2, 3), "starts")],
)
def test_shards_and_leaving_members_carry_their_averages(key, values, field):
    from reglab.population.build import build_population
    from reglab.population.shards import merge_shards, split_population

    configs = [validate_config(tiny_digits(seed=seed, **{"epochs": 3, key: value})) for seed, value in enumerate(values)]
    state, _ = build_population(configs, "independent", "stacked")
    with torch.no_grad():  # mark each member's averages with its row
        for tensor in _averaging(state).params.values():
            tensor.copy_(torch.arange(3.0).view(3, *[1] * (tensor.dim() - 1)).expand_as(tensor))
    parts = split_population(state, 2)
    assert [getattr(_averaging(part), field) for part in parts] == [list(values[:2]), list(values[2:])]
    merged = merge_shards(parts)
    assert getattr(_averaging(merged), field) == list(values)
    merged.keep([0, 2])
    assert getattr(_averaging(merged), field) == [values[0], values[2]]
    for tensor in _averaging(merged).params.values():
        assert tensor.shape[0] == 2
        assert tensor[0].eq(0).all() and tensor[1].eq(2).all()


def test_members_average_alike_but_with_their_own_values():
    from reglab.population.grouping import population_key

    def key(**overrides):
        return population_key(validate_config(tiny_digits(epochs=4, **overrides)))

    ema = [key(**{"regularization.ema_decay": decay}) for decay in (0.9, 0.99)]
    swa = [key(**{"regularization.swa_start": start, "regularization.swa_lr": rate}) for start, rate in ((2, 0.01), (3, None))]
    assert ema[0] == ema[1] and swa[0] == swa[1]
    assert len({ema[0], swa[0], key()}) == 3  # EMA, SWA and neither train apart
