"""Prechelt's stopping rules in a whole run: the epoch a run stops at is the first epoch at
which the rule, written out by hand on the run's own recorded errors, says stop
(E_tr = 1 − train/acc, E_va = 1 − val/acc; Prechelt 1998, Early Stopping — But When?)."""

from __future__ import annotations

import tempfile

import pytest

import reglab
from tests.conftest import tiny_digits


def gl(val: list[float], t: int) -> float:
    """GL(t) = 100·(E_va(t)/E_opt(t) − 1), t 1-based."""
    best = min(val[:t])
    return 0.0 if val[t - 1] == best else 100 * (val[t - 1] / best - 1)


def progress(train: list[float], t: int, k: int) -> float:
    """P_k(t) = 1000·(Σ strip E_tr / (k·min strip E_tr) − 1) over epochs t−k+1 … t."""
    strip = train[t - k : t]
    return 1000 * (sum(strip) / (k * min(strip)) - 1)


def first_stop(rule, train: list[float], val: list[float]) -> int | None:
    return next((t for t in range(1, len(val) + 1) if rule(train, val, t)), None)


def pq_rule(alpha: float, k: int):
    return lambda train, val, t: t % k == 0 and gl(val, t) / progress(train, t, k) > alpha


def up_rule(s: int, k: int):
    def rises(val, t):  # E_va(t) > E_va(t − k), at strip ends
        return t % k == 0 and t > k and val[t - 1] > val[t - k - 1]

    return lambda train, val, t: all(rises(val, t - j * k) for j in range(s))


def gl_rule(alpha: float):
    return lambda train, val, t: gl(val, t) > alpha


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"early_stopping.criterion": "gl", "early_stopping.alpha": 3.0}, gl_rule(3.0)),
        ({"early_stopping.criterion": "pq", "early_stopping.alpha": 0.5, "early_stopping.strip": 2}, pq_rule(0.5, 2)),
        ({"early_stopping.criterion": "up", "early_stopping.strip": 1, "early_stopping.successive_strips": 2}, up_rule(2, 1)),
        ({"early_stopping.criterion": "up", "early_stopping.strip": 3, "early_stopping.successive_strips": 1}, up_rule(1, 3)),
    ],
    ids=["gl", "pq", "up-2-strips-of-1", "up-1-strip-of-3"],
)
def test_a_run_stops_where_the_rule_written_out_on_its_errors_stops(overrides, rule):
    epochs = 40
    config = tiny_digits(epochs=epochs, **{"model.hidden": [32], "optimizer.lr": 0.3, "data.train_size": 100, **overrides})
    with tempfile.TemporaryDirectory(prefix="reglab-test-") as store:
        run = reglab.train(config, store=store)
    train = [1 - row["train/acc"] for row in run.history]
    val = [1 - row["val/acc"] for row in run.history]
    assert all(error > 0 for error in train), "a zero training error makes P_k infinite: pick another config"
    assert run.status == "stopped_early"
    assert first_stop(rule, train, val) == len(run.history) < epochs
