"""Lottery-ticket rounds in real runs: rewinding to step k, the reinit control, (1 − a)^r, the summary."""

from __future__ import annotations

import warnings

import pytest
import torch

import reglab
from reglab.engine import Callback
from reglab.pruning.technique import model_fresh_weights
from tests.conftest import tiny_digits as _tiny_digits


def tiny_digits(**overrides):
    """tiny_digits without the trajectory recorder (not under test here; it costs time)."""
    return _tiny_digits(**{"trajectory.enabled": False, **overrides})

WEIGHTS = ("hidden.0.linear.weight", "head.weight")  # 1184 entries
BIASES = ("hidden.0.linear.bias", "head.bias")


def plain_copy(record):
    return {name: tensor.clone() for name, tensor in record.state_dict().items()}


def zero_masks(record):
    """The masks as the weights show them: 1 where an entry survives, 0 where it is pruned
    (pruned entries are exactly 0 after every step; trained ones never are)."""
    weights = record.state_dict()
    return {name: (weights[name] != 0).float() for name in WEIGHTS if bool((weights[name] == 0).any())}


class _Watcher(Callback):
    """Weights at fit start, after step k, and at each epoch end (after the lottery modifier)."""

    kind = "observer"

    def __init__(self, k):
        self.k, self.step_every = k, (k or None)
        self.at_start = self.at_k = None
        self.epochs, self.masks, self.optimizer_states = {}, {}, {}

    def on_fit_start(self, record):
        self.at_start = plain_copy(record)

    def on_step_end(self, record):
        if record.step == self.k:
            self.at_k = plain_copy(record)

    def on_epoch_end(self, record):
        self.epochs[record.epoch] = plain_copy(record)
        self.masks[record.epoch] = zero_masks(record)
        self.optimizer_states[record.epoch] = sum(key.endswith("momentum_buffer") for key in record.optimizer_state)


def lottery(**overrides):
    settings = {"pruning.method": "lottery", "pruning.amount": 0.5, "pruning.rounds": 2, **overrides}
    return tiny_digits(epochs=2, **settings)


def test_survivors_rewind_to_the_step_k_weights_and_sparsity_compounds(store_dir):
    watcher = _Watcher(k=3)
    run = reglab.train(lottery(**{"pruning.rewind_step": 3}), store=store_dir, callbacks=[watcher])
    assert len(run.history) == 2 * (2 + 1)  # epochs · (rounds + 1)
    assert [row["pruning/round"] for row in run.history] == [0, 0, 1, 1, 2, 2]
    for epoch, rounds in ((2, 1), (4, 2)):
        state, masks = watcher.epochs[epoch], watcher.masks[epoch]
        for name in WEIGHTS:
            kept = masks[name] == 1
            assert torch.equal(state[name][kept], watcher.at_k[name][kept]), name  # survivors = θ_k exactly
            assert torch.all(state[name][~kept] == 0), name
        for name in BIASES:
            assert torch.equal(state[name], watcher.at_k[name]), name  # the rest of the network rewinds too
        kept = sum(int(masks[name].sum()) for name in WEIGHTS)
        assert 1 - kept / 1184 == 1 - 0.5**rounds  # 1 − (1 − a)^r
        assert watcher.optimizer_states[epoch] == 0  # momentum cleared at each rewind
    assert watcher.optimizer_states[1] > 0 and watcher.optimizer_states[3] > 0
    # the mask of round 2 only removes survivors of round 1
    for name in WEIGHTS:
        assert torch.all(watcher.masks[4][name] <= watcher.masks[2][name])
    rounds = run.summary["lottery"]
    assert [entry["round"] for entry in rounds] == [0, 1, 2]
    assert [entry["sparsity"] for entry in rounds] == [0.0, 0.5, 0.75]
    for entry, last_epoch in zip(rounds, (2, 4, 6)):
        assert entry["final_test/acc"] == run.history[last_epoch - 1]["test/acc"]
        window = [row["val/acc"] for row in run.history[last_epoch - 2 : last_epoch]]
        assert entry["best_val/acc"] == max(window)
    assert run.summary["sparsity"] == 0.75 and run.summary["pruning_rounds_done"] == 2
    assert not any(name.endswith("_orig") for name, _ in run.model.named_parameters())


def test_rewind_step_zero_rewinds_to_the_initial_weights(store_dir):
    watcher = _Watcher(k=0)
    reglab.train(lottery(**{"pruning.rounds": 1}), store=store_dir, callbacks=[watcher])
    for name in WEIGHTS:
        kept = watcher.masks[2][name] == 1
        assert torch.equal(watcher.epochs[2][name][kept], watcher.at_start[name][kept]), name


def test_reinit_control_keeps_the_mask_and_draws_fresh_survivors(store_dir):
    rewound, reinit = _Watcher(k=0), _Watcher(k=0)
    reglab.train(lottery(**{"pruning.rounds": 1}), store=store_dir, callbacks=[rewound])
    run = reglab.train(lottery(**{"pruning.rounds": 1, "pruning.control": "reinit"}), store=store_dir, callbacks=[reinit])
    fresh = model_fresh_weights(run.config, run.data, torch.device("cpu"))(1)
    for name in WEIGHTS:
        mask = reinit.masks[2][name]
        assert torch.equal(mask, rewound.masks[2][name]), name  # same round-0 training, same ticket
        kept = mask == 1
        survivors = reinit.epochs[2][name][kept]
        assert not torch.equal(survivors, reinit.at_start[name][kept]), name
        assert torch.equal(survivors, fresh[name][kept]), name  # a fresh draw of the same init scheme
        assert torch.all(reinit.epochs[2][name][~kept] == 0)


class _LearningRates(Callback):
    """The learning rate and momentum of every optimizer step."""

    kind = "observer"
    step_every = 1

    def __init__(self):
        self.steps = []

    def on_step_end(self, record):
        state = record.optimizer_state
        self.steps.append((float(state["lr"]), float(state["momentum"])))


@pytest.mark.parametrize(
    "schedule",
    [
        {"schedule.name": "cosine", "schedule.min_lr": 0.001},
        {"schedule.name": "step", "schedule.step_size": 1, "schedule.gamma": 0.5},
        {"schedule.name": "onecycle", "schedule.max_lr": 0.3},
    ],
    ids=["cosine", "step", "onecycle"],
)
def test_every_round_trains_with_the_whole_schedule(store_dir, schedule):
    # Reference: a plain run of one round's epochs with the same schedule.
    plain, ticket = _LearningRates(), _LearningRates()
    single = reglab.train(tiny_digits(**schedule), store=store_dir, callbacks=[plain])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "lr_scheduler.step() before optimizer.step()"
        run = reglab.train(lottery(**schedule), store=store_dir, callbacks=[ticket])
    steps_per_round = len(plain.steps)
    assert steps_per_round == 14 and len(ticket.steps) == 3 * steps_per_round
    for round_index in range(3):
        assert ticket.steps[round_index * steps_per_round : (round_index + 1) * steps_per_round] == plain.steps
    assert [row["lr"] for row in run.history] == [row["lr"] for row in single.history] * 3
