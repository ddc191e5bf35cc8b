"""A user's callbacks in a population: the single run's events, once per member, with real records."""

from __future__ import annotations

import pytest
import torch

import reglab
from reglab.config import validate_config
from reglab.contract.events import Callback, Stop
from reglab.population import train_population
from tests.conftest import tiny_digits


class Journal(Callback):
    """Writes down every event it sees, by member (None in a single run)."""

    def __init__(self, stop_member: int | None = None, step_every: int | None = None) -> None:
        self.events: list[tuple] = []
        self.stop_member = stop_member
        self.step_every = step_every

    def on_fit_start(self, record):
        self.events.append(("fit_start", record.member, record.run_id is not None))
        self.initial = getattr(self, "initial", {})
        self.initial[record.member] = {name: tensor.clone() for name, tensor in record.state_dict().items()}

    def on_epoch_start(self, record):
        self.events.append(("epoch_start", record.member, record.epoch))

    def on_step_end(self, record):
        self.events.append(("step_end", record.member, record.step, round(float(record.loss), 4)))

    def on_eval_end(self, record):
        self.events.append(("eval_end", record.member, record.epoch))
        return {"journal/val_acc_x2": 2 * record.metrics["val/acc"]}

    def on_epoch_end(self, record):
        weights = record.state_dict()
        norm = sum(float(tensor.double().pow(2).sum()) for name, tensor in weights.items() if name.endswith("weight"))
        momentum = None
        if record.optimizer_state is not None:
            momentum = float(record.optimizer_state["head.weight.momentum_buffer"].double().norm())
        else:
            momentum = float(record.optimizer.state[record.model.head.weight]["momentum_buffer"].double().norm())
        self.events.append(("epoch_end", record.member, record.epoch, norm, momentum, record.metrics["val/loss"]))
        if self.stop_member is not None and record.member == self.stop_member and record.epoch == 2:
            return Stop("the journal asked", criterion="journal")
        return None

    def on_fit_end(self, record):
        self.events.append(("fit_end", record.member, record.epochs_done, record.stop is not None))
        self.final = getattr(self, "final", {})
        self.final[record.member] = {name: tensor.clone() for name, tensor in record.state_dict().items()}
        return {"journal": "seen"}


def _configs(count: int, epochs: int = 3):
    return [validate_config(tiny_digits(seed=seed, epochs=epochs, **{"optimizer.lr": 0.1 / (seed + 1)})) for seed in range(count)]


def _member_events(journal: Journal, member) -> list[tuple]:
    return [event[:1] + event[2:] for event in journal.events if event[1] == member]


def test_every_event_fires_per_member_as_in_its_single_run(store_dir):
    configs = _configs(3)
    journal = Journal()
    runs = train_population(configs, store=store_dir, data_order="independent", callbacks=[journal])
    for member, (config, run) in enumerate(zip(configs, runs)):
        alone = Journal()
        single = reglab.train(config, store=store_dir, callbacks=[alone])
        got, expected = _member_events(journal, member), _member_events(alone, 0)  # a population of one
        assert [event[:2] for event in got] == [event[:2] for event in expected]
        for event, reference in zip(got, expected):
            if event[0] == "epoch_end":  # weight norm, momentum norm, val loss of this member
                assert event[3:] == pytest.approx(reference[3:], rel=1e-5)
        # metrics the callback returns join the member's rows; fit_end entries its summary
        assert [row["journal/val_acc_x2"] for row in run.history] == pytest.approx([2 * row["val/acc"] for row in single.history])
        assert run.summary["journal"] == "seen"
        for name, tensor in journal.initial[member].items():
            torch.testing.assert_close(tensor, alone.initial[0][name], rtol=0, atol=0)
        for name, tensor in run.model.state_dict().items():
            torch.testing.assert_close(journal.final[member][name], tensor, rtol=0, atol=0)


def test_a_callbacks_stop_ends_only_its_member(store_dir):
    journal = Journal(stop_member=1)
    runs = train_population(_configs(3, epochs=4), store=store_dir, callbacks=[journal])
    assert [len(run.history) for run in runs] == [4, 2, 4]
    assert runs[1].status == "stopped_early" and runs[1].summary["stop_criterion"] == "journal"
    assert ("fit_end", 1, 2, True) in journal.events
    # member 1 is gone from the stacked tensors: no epoch 3 events for it
    assert ("epoch_start", 1, 3) not in journal.events and ("epoch_start", 0, 3) in journal.events


def test_step_callbacks_see_each_members_loss_every_n_steps(store_dir):
    configs = _configs(2, epochs=1)
    journal = Journal(step_every=3)
    train_population(configs, store=store_dir, data_order="independent", callbacks=[journal])
    alone = Journal(step_every=3)
    reglab.train(configs[1], store=store_dir, callbacks=[alone])
    steps = [event for event in journal.events if event[0] == "step_end" and event[1] == 1]
    expected = [event for event in alone.events if event[0] == "step_end"]
    assert [event[2] for event in steps] == [event[2] for event in expected] == [3, 6]  # 7 batches of 32
    assert [event[3] for event in steps] == pytest.approx([event[3] for event in expected], abs=2e-4)


class Interrupt(Callback):
    def on_epoch_end(self, record):
        if record.epoch == 2:
            raise KeyboardInterrupt


def test_an_interrupted_population_keeps_each_members_epochs_and_last_weights(store_dir):
    from reglab.store import RunStore
    from safetensors.torch import load_file

    configs = _configs(2, epochs=3)
    with pytest.raises(KeyboardInterrupt):
        train_population(configs, store=store_dir, callbacks=[Interrupt()])
    store = RunStore(store_dir)
    runs = store.runs()
    assert sorted(run.status for run in runs) == ["interrupted", "interrupted"]
    for run in runs:
        folder = store.run_dir(run.id)
        assert len((folder / "metrics.csv").read_text().strip().splitlines()) == 1 + 1  # header + epoch 1
        weights = load_file(str(folder / "model.safetensors"))
        assert set(weights) == {"hidden.0.linear.weight", "hidden.0.linear.bias", "head.weight", "head.bias"}
        assert weights["hidden.0.linear.weight"].shape == (16, 64)


class ValLossLog(Callback):
    """A unit a member's config would build: it reads records only (`record_only`)."""

    record_only = True

    def __init__(self) -> None:
        self.seen: list[tuple] = []

    def on_epoch_end(self, record):
        self.seen.append((record.member, record.epoch, record.metrics["val/loss"]))
        return {"log/val_loss_seen": float(len(self.seen))}


def test_a_record_only_unit_of_the_config_runs_per_member(store_dir, monkeypatch):
    """A technique's `record_only` callback runs in populations as it is: one per member,
    fed that member's records, its metrics joining that member's rows as in its single run."""
    from reglab.contract import technique as registry

    built: list[ValLossLog] = []

    def build_log(config, model, data):
        built.append(ValLossLog())
        return registry.Technique(callbacks=[built[-1]])

    monkeypatch.setitem(registry._REGISTRY, "tests.val_loss_log", (99, build_log, None))
    configs = _configs(2)
    runs = train_population(configs, store=store_dir)
    member_units = built[-2:]  # the units of the two members' own configs (built last)
    for member, (unit, run) in enumerate(zip(member_units, runs)):
        assert [seen[:2] for seen in unit.seen] == [(member, 1), (member, 2), (member, 3)]
        assert [seen[2] for seen in unit.seen] == [row["val/loss"] for row in run.history]
        assert [row["log/val_loss_seen"] for row in run.history] == [1.0, 2.0, 3.0]


def test_epoch_records_carry_the_members_data(store_dir):
    class Sizes(Callback):
        def __init__(self) -> None:
            self.seen: list[tuple] = []

        def on_epoch_end(self, record):
            self.seen.append((record.member, record.data.train_x.shape[0], record.data.val_x.shape[0]))

    sizes = Sizes()
    alone = Sizes()
    configs = _configs(2, epochs=1)
    train_population(configs, store=store_dir, callbacks=[sizes])
    reglab.train(configs[1], store=store_dir, callbacks=[alone])
    assert [seen[1:] for seen in sizes.seen if seen[0] == 1] == [seen[1:] for seen in alone.seen]


def test_a_one_run_callback_passed_to_a_population_is_each_members_own(store_dir):
    """EarlyStopping and RestoreBest hold one run's state: each member stops and restores as
    its single run with its own objects, and the objects passed follow the first member."""
    from reglab.stopping import EarlyStopping, Patience, RestoreBest

    def stopping():
        stopper = EarlyStopping(Patience(1), monitor="val/loss", keep_best=True)
        return stopper, [stopper, RestoreBest(stopper)]

    configs = [validate_config(tiny_digits(seed=seed, epochs=8, **{"optimizer.lr": (0.5, 0.05, 0.2)[seed]})) for seed in range(3)]
    stopper, passed = stopping()
    runs = train_population(configs, store=store_dir, callbacks=passed, data_order="independent")
    epochs = []
    for run, config in zip(runs, configs):
        single = reglab.train(config, store=store_dir, callbacks=stopping()[1])
        assert len(run.history) == len(single.history)
        for key in ("stop_epoch", "best_epoch", "restored_epoch"):
            assert run.summary.get(key) == single.summary.get(key), key
        assert all(torch.equal(a, b) for a, b in zip(run.model.state_dict().values(), single.model.state_dict().values()))
        epochs.append(len(run.history))
    assert len(set(epochs)) > 1  # the members stopped at different epochs
    assert stopper.best_epoch == runs[0].summary["best_epoch"]
