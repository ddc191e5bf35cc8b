"""Every early-stopping setting per member: members with different criteria, thresholds, monitors
and warm-ups share one population, and each stops (or not) exactly as its single run."""

from __future__ import annotations

import pytest

import reglab
from reglab.config import validate_config
from reglab.population import train_population
from reglab.population.grouping import population_key
from tests.conftest import tiny_digits
from tests.population.test_train import assert_same_history

MEMBERS = [
    {"early_stopping.criterion": "patience", "early_stopping.patience": 1, "early_stopping.min_delta": 0.05,
     "early_stopping.start_from_epoch": 1},
    {"early_stopping.threshold": 0.6, "early_stopping.monitor": "val/acc"},
    {"early_stopping.criterion": "gl", "early_stopping.alpha": 0.5, "early_stopping.restore_best": True},
    {"early_stopping.criterion": "pq", "early_stopping.alpha": 0.01, "early_stopping.strip": 2},
    {"early_stopping.criterion": "up", "early_stopping.successive_strips": 1, "early_stopping.strip": 1,
     "early_stopping.monitor": "val/acc", "early_stopping.mode": "max"},
    {"early_stopping.criterion": "patience", "early_stopping.patience": 2, "early_stopping.monitor": "train/loss"},
]
SUMMARY_KEYS = ("stop_epoch", "stop_criterion", "stop_values", "best_epoch", "best_monitor", "restored_epoch", "epochs_saved")


def test_every_stopping_setting_trains_per_member_as_its_single_run(store_dir):
    configs = [
        validate_config(tiny_digits(seed=seed, epochs=6, **{"optimizer.lr": 0.3, "model.hidden": [8]}, **overrides))
        for seed, overrides in enumerate(MEMBERS)
    ]
    assert len({population_key(config) for config in configs}) == 1  # one population
    members = train_population(configs, store=store_dir, data_order="independent")
    stopped = set()
    for config, member in zip(configs, members):
        single = reglab.train(config, store=store_dir)
        assert member.status == single.status
        assert_same_history(member, single)
        for key in SUMMARY_KEYS:
            expected = single.summary.get(key)
            if isinstance(expected, (float, dict)):
                expected = pytest.approx(expected, rel=1e-5)
            assert member.summary.get(key) == expected, key
        if member.status == "stopped_early":
            stopped.add((member.summary["stop_criterion"], member.summary["stop_epoch"]))
    # the settings really acted: several members stopped early, at different epochs or by different rules
    assert len(stopped) >= 3, stopped
