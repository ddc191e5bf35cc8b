"""A population stepped as concurrent shards against the same population in one piece."""

from __future__ import annotations

import warnings

import pytest
import torch

import reglab
from reglab.config import ConfigError
from reglab.engine.run import as_config
from reglab.population import build_population, train_population
from reglab.population.shards import MIN_SHARD_MEMBERS, ShardThreads, dropout_generator, shard_count, split_population
from tests.population.test_train import assert_same_history, digits

CPU = torch.device("cpu")


@pytest.mark.parametrize(
    "members,threads,expected",
    [(8, 2, 1), (2 * MIN_SHARD_MEMBERS - 1, 2, 1), (2 * MIN_SHARD_MEMBERS, 2, 2), (64, 2, 2), (128, 2, 2), (64, 1, 1), (64, 16, 4)],
)
def test_shard_count_needs_enough_members_and_threads(members, threads, expected):
    assert shard_count(members, CPU, "stacked", threads) == expected


def test_only_the_stacked_engine_on_a_cpu_shards():
    assert shard_count(64, CPU, "vmap", 2) == 1
    assert shard_count(64, torch.device("cuda"), "stacked", 2) == 1


def test_split_keeps_data_shared_and_the_shared_order_the_same():
    configs = [as_config(digits(seed % 3, 0.1 + seed / 100)) for seed in range(7)]
    state, _ = build_population(configs, "shared", "stacked")
    parts = split_population(state, 3)
    assert [part.members for part in parts] == [[0, 1], [2, 3, 4], [5, 6]]
    assert all(part.data.train_x.values.data_ptr() == state.data.train_x.values.data_ptr() for part in parts)
    for part in parts:
        torch.testing.assert_close(part.params["head.weight"], state.params["head.weight"][part.members], rtol=0, atol=0)
        assert part.hyper.lr.tolist() == pytest.approx([0.1 + member / 100 for member in part.members])
    orders = [part.order.epoch() for part in parts]
    assert all(torch.equal(order, orders[0]) for order in orders)
    masks = [torch.rand(5, generator=part.generator) for part in parts]
    assert not torch.equal(masks[0], masks[1])
    assert torch.equal(masks[0], torch.rand(5, generator=dropout_generator(0, 0, CPU)))


@pytest.mark.parametrize("data_order", ["shared", "independent"])
def test_sharded_members_equal_the_unsharded_population(store_dir, data_order):
    stopping = {"early_stopping.criterion": "patience", "early_stopping.patience": 1, "epochs": 5}
    configs = [
        digits(0, 1e-12, **stopping),  # never improves: stops early while its shard goes on
        digits(1, 0.05, **stopping),
        digits(2, 0.1, **{**stopping, "regularization.l1": 1e-4}),
        digits(0, 0.2, **{**stopping, "data.label_noise": 0.2}),
    ]
    whole = train_population(configs, store=store_dir, data_order=data_order, shards=1)
    sharded = train_population(configs, store=store_dir, data_order=data_order, shards=2)
    assert [run.summary["population"]["shards"] for run in (whole[0], sharded[0])] == [1, 2]
    assert sharded[0].status == "stopped_early" and len(sharded[0].history) < 5
    for a, b in zip(whole, sharded):
        assert a.status == b.status
        assert_same_history(b, a)
        for name, tensor in a.model.state_dict().items():
            torch.testing.assert_close(b.model.state_dict()[name], tensor, rtol=1e-5, atol=1e-6)
    if data_order == "independent":
        assert_same_history(sharded[1], reglab.train(configs[1], store=store_dir))


def test_sharded_dropout_repeats_bit_for_bit(store_dir):
    configs = [digits(seed, 0.1, **{"model.dropout": 0.3 if seed else 0.1}) for seed in (0, 1, 0, 1)]
    first = train_population(configs, store=store_dir, shards=2)
    second = train_population(configs, store=store_dir, shards=2)
    for a, b in zip(first, second):
        assert [{k: v for k, v in row.items() if k != "time/epoch"} for row in a.history] == [
            {k: v for k, v in row.items() if k != "time/epoch"} for row in b.history
        ]
    # the two shards draw different masks: same-seed members 0 and 2 with equal rates differ
    assert first[0].history[-1]["train/loss"] != first[2].history[-1]["train/loss"]


def test_bad_shard_counts_are_refused_before_the_store(store_dir):
    with pytest.raises(ConfigError, match="population.shards"):
        train_population([digits(0), digits(1)], store=store_dir, shards=3)
    with pytest.raises(ConfigError, match="engine vmap"):
        train_population([digits(0), digits(1)], store=store_dir, shards=2, engine="vmap")
    assert not (store_dir / "reglab.db").exists()


def test_shard_threads_set_their_own_threads_and_give_the_caller_its_count_back():
    def inside(_):
        flushed = (torch.tensor(1e-39) * torch.tensor(1.0)).item() == 0.0
        return torch.get_num_threads(), flushed

    before = torch.get_num_threads()
    with ShardThreads(2) as threads:
        assert threads.map(inside, [0, 1]) == [(max(1, before // 2), True)] * 2
    assert torch.get_num_threads() == before
    with ShardThreads(1) as threads:  # one shard: runs inline, nothing changed
        assert threads.map(lambda item: item * 2, [3]) == [6]


@pytest.mark.parametrize(
    "schedule",
    [{"schedule.name": "cosine", "schedule.min_lr": 0.001}, {"schedule.name": "step", "schedule.step_size": 1, "schedule.gamma": 0.5}],
    ids=["cosine", "step"],
)
def test_each_shard_follows_its_members_schedules(store_dir, schedule):
    configs = [digits(seed % 2, 0.1 * (seed + 1), **schedule) for seed in range(4)]
    whole = train_population(configs, store=store_dir, shards=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a copied scheduler must not lose track of its optimizer
        sharded = train_population(configs, store=store_dir, shards=2)
    for a, b in zip(whole, sharded):
        assert [row["lr"] for row in b.history] == [row["lr"] for row in a.history]
        assert_same_history(b, a)
    assert sharded[3].history[-1]["lr"] < 0.4
