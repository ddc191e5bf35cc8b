"""Population checkpoints: an interrupted population resumes member by member and ends bit for bit
as an uninterrupted one."""

from __future__ import annotations

import math

import pytest
import torch
from safetensors.torch import load_file

import reglab
from reglab.config import ConfigError, validate_config
from reglab.contract.events import Callback
from reglab.population import train_population
from reglab.store import RunStore
from tests.conftest import tiny_digits


class InterruptAt(Callback):
    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_start(self, record):
        if record.epoch == self.epoch:
            raise KeyboardInterrupt


def _configs(**overrides):
    return [
        validate_config(tiny_digits(seed=seed, epochs=4, **{"optimizer.lr": 0.1 / (seed + 1), **overrides}))
        for seed in range(3)
    ]


def _weights(store: RunStore, run_id: str) -> dict[str, torch.Tensor]:
    return load_file(str(store.run_dir(run_id) / "model.safetensors"))


def _assert_identical(resumed, uninterrupted, store_a, store_b):
    assert [run.status for run in resumed] == [run.status for run in uninterrupted]
    for got, expected in zip(resumed, uninterrupted):
        assert len(got.history) == len(expected.history)
        for row, reference in zip(got.history, expected.history):
            assert set(row) == set(reference)
            for key, value in reference.items():
                if not key.startswith("time/"):
                    assert row[key] == value or (math.isnan(row[key]) and math.isnan(value)), key
        a, b = _weights(store_a, got.id), _weights(store_b, expected.id)
        assert set(a) == set(b) and all(torch.equal(a[name], b[name]) for name in a)


@pytest.mark.parametrize(
    ("data_order", "overrides"),
    [
        ("shared", {"model.dropout": 0.2}),
        ("independent", {"optimizer.name": "adam", "optimizer.lr": 0.01, "schedule.name": "cosine",
                         "early_stopping.criterion": "patience", "early_stopping.patience": 1, "early_stopping.restore_best": True}),
        ("independent", {"regularization.ema_decay": 0.9, "schedule.name": "cosine"}),
        ("shared", {"regularization.swa_start": 2, "model.norm": "batch", "model.dropout": 0.1}),
    ],
    ids=["shared-dropout", "independent-adam-cosine-stopping", "ema", "swa-batchnorm"],
)
def test_a_resumed_population_ends_bit_for_bit_as_an_uninterrupted_one(tmp_path, data_order, overrides):
    configs = _configs(**overrides)
    store_a, store_b = RunStore(tmp_path / "a"), RunStore(tmp_path / "b")
    uninterrupted = train_population(configs, store=store_b, data_order=data_order)
    with pytest.raises(KeyboardInterrupt):
        train_population(configs, store=store_a, data_order=data_order, callbacks=[InterruptAt(3)])
    cut = [run for run in store_a.runs()]
    assert all(run.status in ("interrupted", "stopped_early") for run in cut)
    order = [run.id for run in cut]
    interrupted = [run.id for run in cut if run.status == "interrupted"]
    members = [order.index(run_id) for run_id in interrupted]
    resumed = train_population([configs[m] for m in members], store=store_a, data_order=data_order, resume=interrupted)
    _assert_identical(resumed, [uninterrupted[m] for m in members], store_a, store_b)


@pytest.mark.parametrize(
    ("overrides", "cut_at"),
    [
        ({"pruning.method": "magnitude", "pruning.schedule": "iterative", "pruning.rounds": 3, "pruning.amount": 0.3,
          "optimizer.momentum": 0.9}, 3),
        ({"pruning.method": "lottery", "pruning.rounds": 2, "pruning.rewind_step": 3, "schedule.name": "cosine"}, 6),
        ({"pruning.method": "lottery", "pruning.rounds": 2, "pruning.control": "reinit"}, 10),
    ],
    ids=["iterative-magnitude", "lottery-rewind", "lottery-reinit"],
)
def test_pruned_members_resume_with_their_masks_bit_for_bit(tmp_path, overrides, cut_at):
    configs = _configs(**{"optimizer.lr": 0.1, **overrides})
    store_a, store_b = RunStore(tmp_path / "a"), RunStore(tmp_path / "b")
    uninterrupted = train_population(configs, store=store_b, data_order="independent")
    with pytest.raises(KeyboardInterrupt):
        train_population(configs, store=store_a, data_order="independent", callbacks=[InterruptAt(cut_at)])
    interrupted = [run.id for run in store_a.runs()]
    assert [store_a.get_run(run_id).status for run_id in interrupted] == ["interrupted"] * 3
    resumed = train_population(configs, store=store_a, data_order="independent", resume=interrupted)
    _assert_identical(resumed, uninterrupted, store_a, store_b)
    assert all(got.summary["sparsity"] == expected.summary["sparsity"] > 0.2 for got, expected in zip(resumed, uninterrupted))
    if overrides["pruning.method"] == "lottery":
        assert [got.summary["lottery"] for got in resumed] == [expected.summary["lottery"] for expected in uninterrupted]


def test_sharded_members_resume_their_trajectory_files_as_uninterrupted_ones(tmp_path):
    """Three shards of one member each: every shard's trajectory takes back its step counters,
    so the resumed step rows and snapshots are those of the uninterrupted run."""
    configs = _configs(**{"trajectory.every_steps": 3, "trajectory.snapshot_epochs": [1, 2, 3, 4]})
    store_a, store_b = RunStore(tmp_path / "a"), RunStore(tmp_path / "b")
    uninterrupted = train_population(configs, store=store_b, shards=3)
    with pytest.raises(KeyboardInterrupt):
        train_population(configs, store=store_a, shards=3, callbacks=[InterruptAt(3)])
    resumed = train_population(configs, store=store_a, shards=3, resume=[run.id for run in store_a.runs()])
    _assert_identical(resumed, uninterrupted, store_a, store_b)
    for got, expected in zip(resumed, uninterrupted):
        folder_a, folder_b = store_a.run_dir(got.id), store_b.run_dir(expected.id)
        steps = (folder_a / "trajectory_steps.csv").read_text()
        assert steps == (folder_b / "trajectory_steps.csv").read_text()
        assert [line.split(",")[:2] for line in steps.splitlines()[1:]][-1] == ["4", "27"]  # 7 steps per epoch, a row every 3
        snapshots = sorted(path.name for path in (folder_a / "snapshots").iterdir())
        assert snapshots == sorted(path.name for path in (folder_b / "snapshots").iterdir())
        assert all((folder_a / "snapshots" / name).read_bytes() == (folder_b / "snapshots" / name).read_bytes() for name in snapshots)


def test_a_member_resumes_alone_with_reglab_resume(tmp_path):
    configs = _configs(**{"model.dropout": 0.1})
    store_a, store_b = RunStore(tmp_path / "a"), RunStore(tmp_path / "b")
    uninterrupted = train_population(configs, store=store_b, data_order="shared")
    with pytest.raises(KeyboardInterrupt):
        train_population(configs, store=store_a, data_order="shared", callbacks=[InterruptAt(2)])
    second = store_a.runs()[1]
    resumed = reglab.resume(second.id[:8], store=store_a)
    assert resumed.id == second.id and resumed.status == "completed"
    assert len(RunStore(store_a.directory).history(second.id)) == 4
    _assert_identical([resumed], [uninterrupted[1]], store_a, store_b)


def test_resuming_a_run_without_member_checkpoint_is_refused(tmp_path):
    configs = _configs()
    store = RunStore(tmp_path / "a")
    with pytest.raises(KeyboardInterrupt):
        train_population(configs, store=store, callbacks=[InterruptAt(1)])  # no epoch finished
    ids = [run.id for run in store.runs()]
    with pytest.raises(ConfigError, match="member checkpoint"):
        train_population(configs, store=store, resume=ids)
