"""A population stepped as concurrent shards against the same population in one piece."""

from __future__ import annotations

import signal
import threading
import time
import warnings

import pytest
import torch

import reglab
from reglab.config import ConfigError
from reglab.engine.run import as_config
from reglab.population import build_population, train_population
from reglab.contract.events import Callback
from reglab.population import cancel
from reglab.population.cancel import ShardCancelled, stop_if_cancelled
from reglab.population.shards import (
    CONV_SHARD_MEMBERS,
    MIN_SHARD_MEMBERS,
    ShardThreads,
    merge_shards,
    rebalance,
    shard_count,
    split_population,
)
from tests.population.test_train import assert_same_history, assert_same_weights, digits

CPU = torch.device("cpu")


@pytest.mark.parametrize(
    "members,threads,expected",
    [(8, 2, 1), (2 * MIN_SHARD_MEMBERS - 1, 2, 1), (2 * MIN_SHARD_MEMBERS, 2, 2), (64, 2, 2), (128, 2, 2), (64, 1, 1), (64, 16, 4)],
)
def test_shard_count_needs_enough_members_and_threads(members, threads, expected):
    assert shard_count(members, CPU, "stacked", threads) == expected


@pytest.mark.parametrize("members,expected", [(1, 1), (CONV_SHARD_MEMBERS, 1), (CONV_SHARD_MEMBERS + 1, 2), (64, 8)])
def test_cnn_populations_shard_by_at_most_eight_members_whatever_the_threads(members, expected):
    assert shard_count(members, CPU, "stacked", 2, convolutional=True) == expected
    assert shard_count(members, CPU, "stacked", 1, convolutional=True) == expected
    assert shard_count(members, torch.device("cuda"), "stacked", 2, convolutional=True) == 1


def test_queued_shards_run_on_at_most_the_workers_in_order():
    def where(item):
        return item, threading.current_thread().name

    with ShardThreads(5, workers=2) as threads:
        results = threads.map(where, range(5))
    assert [item for item, _ in results] == list(range(5))
    assert len({name for _, name in results}) <= 2 and all(name.startswith("reglab-shard") for _, name in results)
    with ShardThreads(5, workers=1) as threads:  # one worker: inline, on the calling thread
        assert {name for _, name in threads.map(where, range(5))} == {threading.current_thread().name}


def test_cnn_members_train_in_queued_shards_as_in_one_piece(store_dir):
    # 10 CNNs: two shards of 5 (at most CONV_SHARD_MEMBERS each) queued over the torch threads
    configs = [digits(seed, 0.05 * (1 + seed % 3), **{"model.kind": "cnn", "model.channels": [4], "model.hidden": [8],
                                                      "epochs": 2}) for seed in range(10)]
    sharded = train_population(configs, store=store_dir / "sharded", data_order="independent")
    whole = train_population(configs, store=store_dir / "whole", data_order="independent", shards=1)
    assert sharded[0].summary["population"]["shards"] == 2
    for member, reference in zip(sharded, whole):
        assert_same_history(member, reference)


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
    # each member's own random stream goes with it (the very generator object)
    assert [generator for part in parts for generator in part.generators] == state.generators


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
        assert_same_weights(b.model.state_dict(), a.model.state_dict())
    if data_order == "independent":
        assert_same_history(sharded[1], reglab.train(configs[1], store=store_dir))


def test_sharded_dropout_repeats_bit_for_bit_and_draws_each_members_own_masks(store_dir):
    configs = [digits(seed, 0.1, **{"model.dropout": 0.3 if seed else 0.1}) for seed in (0, 1, 0, 1)]
    first = train_population(configs, store=store_dir, shards=2)
    second = train_population(configs, store=store_dir, shards=2)
    for a, b in zip(first, second):
        assert [{k: v for k, v in row.items() if k != "time/epoch"} for row in a.history] == [
            {k: v for k, v in row.items() if k != "time/epoch"} for row in b.history
        ]
    # every member draws its own single run's masks: same-seed members with equal
    # configs are equal wherever they sit; seed 0 (the shared order's seed) equals its single run
    assert [row["train/loss"] for row in first[1].history] == [row["train/loss"] for row in first[3].history]
    assert_same_history(first[0], reglab.train(configs[0], store=store_dir))


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
        threads.close()  # the last shard goes on inline, on the calling thread
        assert torch.get_num_threads() == before
        assert threads.map(lambda _: threading.current_thread() is threading.main_thread(), [0]) == [True]
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


def test_merging_the_shards_gives_the_population_back():
    keys = {"early_stopping.criterion": "patience"}
    configs = [as_config(digits(seed, 0.1 + seed / 100, **{**keys, "data.label_noise": 0.1 * (seed % 2)})) for seed in range(7)]
    state, _ = build_population(configs, "independent", "stacked")
    original_params = {name: tensor.detach().clone() for name, tensor in state.params.items()}
    original_index = state.data.train_y.member_index.clone()
    parts = split_population(state, 3)
    for part in parts:  # each shard's early-stopping units hold its own members' progress
        for member in part.members:
            part.techniques[member].stopper.best_value = float(member)
    merged = merge_shards(parts)
    assert [merged.techniques[member].stopper.best_value for member in range(7)] == list(range(7))
    assert merged.members == list(range(7))
    for name, tensor in original_params.items():
        assert torch.equal(merged.params[name], tensor) and merged.params[name].requires_grad
    assert torch.equal(merged.data.train_y.member_index, original_index)
    assert merged.hyper.lr.tolist() == pytest.approx([0.1 + seed / 100 for seed in range(7)])
    assert merged.dropout.dropout == (None, None) and len(merged.order.generators) == 7
    assert merged.schedule.keep == list(range(7))
    assert all(merged.techniques[member] is not None for member in range(7))


def test_rebalance_evens_out_and_then_merges():
    configs = [as_config(digits(seed, 0.1)) for seed in range(8)]
    state, _ = build_population(configs, "shared", "stacked")
    left, right = split_population(state, 2)
    left.keep([0])  # three of the left shard's members finished
    generators = left.generators + right.generators
    evened = rebalance([left, right], min_members=1)
    assert [part.members for part in evened] == [[0, 4], [5, 6, 7]]
    assert [generator for part in evened for generator in part.generators] == generators  # the streams go on
    assert rebalance(evened, min_members=1) == evened  # sizes within one member: kept
    assert [part.members for part in rebalance(evened, min_members=4)] == [[0, 4, 5, 6, 7]]


@pytest.mark.parametrize("most,expected", [(2, [[0, 4], [5], [6, 7]]), (3, [[0, 4], [5, 6, 7]]), (8, [[0, 4, 5, 6, 7]])])
def test_cnn_shards_are_rebalanced_into_as_few_as_hold_at_most_max_members(most, expected):
    configs = [as_config(digits(seed, 0.1)) for seed in range(8)]
    state, _ = build_population(configs, "shared", "stacked")
    left, right = split_population(state, 2)
    left.keep([0])  # five members left
    assert [part.members for part in rebalance([left, right], min_members=1, max_members=most)] == expected


def test_shards_are_rebalanced_as_members_stop(store_dir, monkeypatch):
    from reglab.population import loop

    seen: list[tuple[list[int], list[int]]] = []

    def watched(shards, min_members, max_members=None):
        result = rebalance(shards, min_members, max_members)
        seen.append(([part.size for part in shards], [part.size for part in result]))
        return result

    monkeypatch.setattr(loop, "rebalance", watched)
    stopping = {"early_stopping.criterion": "patience", "early_stopping.patience": 1, "epochs": 5}
    # (no batch norm: its CPU kernel rounds differently for K·width and K/2·width channels)
    extra = {**stopping, "optimizer.name": "adam", "regularization.l1": 1e-4, "data.label_noise": 0.1}
    # lr ~0 never improves val/loss: members 0 and 1 stop after epoch 2, both in the first shard
    configs = [digits(seed, 1e-12 if seed < 2 else 0.01, **extra) for seed in range(6)]
    whole = train_population(configs, store=store_dir, data_order="independent", shards=1)
    sharded = train_population(configs, store=store_dir, data_order="independent", shards=2)
    assert ([1, 3], [2, 2]) in seen
    for a, b in zip(whole, sharded):
        assert a.status == b.status
        assert_same_history(b, a)
    assert [run.status for run in sharded[:2]] == ["stopped_early"] * 2


def _step_until_cancelled(outcome: list[str]) -> None:
    """A shard's phase that steps for up to a minute, checking for cancellation at each step."""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            stop_if_cancelled()
            time.sleep(0.002)
    except ShardCancelled:
        outcome.append("stopped")
        raise
    outcome.append("ran to the end")


def _ctrl_c_to_the_main_thread() -> None:
    """What a terminal's Ctrl-C does: SIGINT, which Python handles on the main thread."""
    signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)


def test_a_failed_shard_stops_the_other_shards_at_their_next_step():
    started, outcome = threading.Event(), []

    def phase(item):
        if item == 0:
            assert started.wait(60)
            raise ValueError("shard 0 failed")
        started.set()
        _step_until_cancelled(outcome)

    with pytest.raises(ValueError, match="shard 0 failed"):
        with ShardThreads(2) as threads:
            threads.map(phase, range(2))
    assert outcome == ["stopped"]


def test_ctrl_c_stops_every_shard_at_its_next_step():
    """Python delivers Ctrl-C to the calling thread only; the shards' threads stop too
    instead of training their epoch to its end before the command can exit."""
    both, outcome = threading.Barrier(2), []

    def phase(item):
        both.wait(60)
        if item == 0:
            _ctrl_c_to_the_main_thread()
        _step_until_cancelled(outcome)

    with pytest.raises(KeyboardInterrupt):
        with ShardThreads(2) as threads:
            threads.map(phase, range(2))
    assert outcome == ["stopped", "stopped"]
    stop_if_cancelled()  # the calling thread is not a shard: nothing to stop


def test_a_ctrl_c_that_comes_as_the_calling_thread_waits_stops_the_shards():
    """A signal that arrives just before the calling thread blocks in its wait does not
    interrupt the wait (`interrupt_main` sets Python's flag as such a signal does, without
    waking the thread); the wait wakes to run the handler instead of sleeping until the
    shards end their epoch."""
    import _thread

    outcome = []

    def phase(item):
        time.sleep(0.2)  # the calling thread is in its wait by now
        if item == 0:
            _thread.interrupt_main()
        _step_until_cancelled(outcome)

    with pytest.raises(KeyboardInterrupt):
        with ShardThreads(2) as threads:
            threads.map(phase, range(2))
    assert outcome == ["stopped", "stopped"]


class CtrlCAtStep(Callback):
    """Sends Ctrl-C at member 0's second step, then returns once its shard was told to stop."""

    step_every = 1

    def __init__(self) -> None:
        self.steps: list[tuple[int, int]] = []

    def on_step_end(self, record):
        self.steps.append((record.member, record.step))
        if record.member == 0 and record.step == 2:
            _ctrl_c_to_the_main_thread()
            deadline = time.monotonic() + 60
            while not cancel._worker.event.is_set() and time.monotonic() < deadline:
                time.sleep(0.002)


def test_an_interrupted_sharded_population_stops_within_the_step(store_dir):
    from reglab.store import RunStore

    watcher = CtrlCAtStep()
    configs = [digits(seed, epochs=3) for seed in range(2)]
    with pytest.raises(KeyboardInterrupt):
        train_population(configs, store=store_dir, shards=2, callbacks=[watcher])
    assert max(step for member, step in watcher.steps if member == 0) == 2  # no step after the signal's
    with RunStore(store_dir) as store:
        assert sorted((run.status, run.epochs) for run in store.runs()) == [("interrupted", 0), ("interrupted", 0)]
