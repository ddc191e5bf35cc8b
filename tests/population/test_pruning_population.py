"""Pruning in a population: each member, with its own amount, equals its own single run.

The contract test covers one-shot, iterative per-layer and one lottery round; here the
harder paths: global iterative pruning with biases and a round at the last epoch (the
final evaluation is of the pruned weights), a member that stops early (its masks leave
the stacked tensors), two shards, and lottery tickets rewound to step k with Adam and a
step schedule (optimizer state, Adam's step count and the schedule restart each round),
and the re-initialisation control.
"""

from __future__ import annotations

import pytest
import torch

import reglab
from reglab.config import validate_config
from reglab.population import train_population
from reglab.population.build import build_population
from reglab.population.grouping import group_configs
from reglab.population.shards import merge_shards, split_population
from reglab.pruning import magnitude_masks
from reglab.pruning.members import MemberPruning
from tests.population.test_train import assert_same_history, digits

SUMMARY_KEYS = ("sparsity", "sparsity_per_layer", "pruning_rounds_done", "lottery")


def assert_members_equal_single_runs(configs, store_dir, **options):
    validated = [validate_config(config) for config in configs]
    assert len(group_configs(validated, 64)) == 1  # pruning.amount is a member key
    members = train_population(validated, store=store_dir, data_order="independent", **options)
    for config, member in zip(validated, members):
        single = reglab.train(config, store=store_dir)
        assert member.status == single.status
        assert_same_history(member, single)
        for key in SUMMARY_KEYS:
            assert (key in member.summary) == (key in single.summary), key
            got, expected = member.summary.get(key), single.summary.get(key)
            if isinstance(expected, list):  # the lottery log: one dict per round
                assert len(got) == len(expected) and all(a == pytest.approx(b, rel=1e-5) for a, b in zip(got, expected)), key
            elif expected is not None:
                assert got == pytest.approx(expected, rel=1e-5), key
        assert member.summary["final_eval"] == pytest.approx(single.summary["final_eval"], rel=1e-5, abs=1e-5)
    return members


def test_iterative_global_pruning_with_biases_a_stopping_member_and_two_shards(store_dir):
    keys = {
        "epochs": 4,
        "pruning.method": "magnitude",
        "pruning.schedule": "iterative",
        "pruning.start_epoch": 2,
        "pruning.rounds": 3,  # rounds at the ends of epochs 2, 3, 4 (the last)
        "pruning.include_biases": True,
    }
    stops = {"early_stopping.criterion": "patience", "early_stopping.patience": 1, "early_stopping.min_delta": 10.0}
    configs = [
        digits(0, 0.1, **keys, **{"pruning.amount": 0.3}),
        digits(1, 0.05, **keys, **{"pruning.amount": 0.6}),
        digits(2, 0.1, **keys, **{"pruning.amount": 0.1}, **stops),  # stops after epoch 2, pruned there
        digits(3, 0.2, **keys, **{"pruning.amount": 0.45, "regularization.grad_clip_norm": 0.5}),
    ]
    members = assert_members_equal_single_runs(configs, store_dir, shards=2)
    assert [len(member.history) for member in members] == [4, 4, 2, 4]
    assert members[1].summary["sparsity"] == pytest.approx(1 - 0.4**3, abs=0.01)
    assert members[2].summary["pruning_rounds_done"] == 1
    assert members[0].history[0]["pruning/sparsity"] == 0.0
    assert "pruning/sparsity/head.bias" in members[0].history[-1]


def test_lottery_rounds_rewound_to_step_k_with_adam_and_a_restarted_schedule(store_dir):
    keys = {
        "epochs": 2,  # per round
        "pruning.method": "lottery",
        "pruning.rounds": 2,
        "pruning.rewind_step": 3,
        "pruning.scope": "layer",
        "optimizer.name": "adam",
        "optimizer.weight_decay": 0.0,
        "schedule.name": "step",
        "schedule.step_size": 1,
        "schedule.gamma": 0.5,
    }
    configs = [digits(0, 0.01, **keys, **{"pruning.amount": 0.5}), digits(1, 0.005, **keys, **{"pruning.amount": 0.2})]
    members = assert_members_equal_single_runs(configs, store_dir)
    for member in members:
        assert [row["pruning/round"] for row in member.history] == [0, 0, 1, 1, 2, 2]
        lr = member.config.optimizer.lr
        assert [row["lr"] for row in member.history] == pytest.approx([lr, lr / 2] * 3, rel=1e-6)  # restarted each round
        assert [entry["round"] for entry in member.summary["lottery"]] == [0, 1, 2]
    assert members[0].summary["sparsity"] == pytest.approx(0.75, abs=0.02)


def test_lottery_reinit_control(store_dir):
    keys = {"epochs": 1, "pruning.method": "lottery", "pruning.rounds": 2, "pruning.control": "reinit"}
    configs = [digits(0, 0.1, **keys, **{"pruning.amount": 0.3}), digits(1, 0.1, **keys, **{"pruning.amount": 0.6})]
    assert_members_equal_single_runs(configs, store_dir)


def test_masks_and_rewind_points_follow_their_members_through_shards_and_stops():
    keys = {"pruning.method": "lottery", "pruning.rounds": 1, "epochs": 1}
    amounts = (0.2, 0.5, 0.7, 0.4)
    configs = [validate_config(digits(seed, 0.1, **keys, **{"pruning.amount": a})) for seed, a in enumerate(amounts)]
    state, _ = build_population(configs, "independent", "stacked")
    initial = {name: tensor.detach().clone() for name, tensor in state.params.items()}
    with torch.no_grad():
        for tensor in state.params.values():
            tensor.mul_(1.5)  # "trained" weights
    parts = split_population(state, 2)
    for part in parts:
        part.units.find(MemberPruning).epoch_quantities(part)  # end of round 0: prune, rewind to the initial weights
    merged = merge_shards(parts)
    pruning = merged.units.find(MemberPruning)
    names = pruning.names
    for row, amount in enumerate(amounts):
        alone = magnitude_masks([initial[name][row : row + 1] * 1.5 for name in names], [None] * len(names), [amount])
        for name, mask in zip(names, alone):
            assert torch.equal(pruning.masks[name][row], mask[0]), (row, name)
            assert torch.equal(merged.params[name][row], initial[name][row] * mask[0])
    merged.keep([1, 3])
    assert pruning.masks[names[0]].shape[0] == 2
    assert torch.equal(pruning.rewind[names[0]], initial[names[0]][[1, 3]])
