"""Prechelt's GL, PQ, UP and Keras-style patience against error sequences worked out by hand."""

from __future__ import annotations

import math

import pytest

from reglab.config import ConfigError
from reglab.stopping import GL, PQ, UP, Patience, generalization_loss, training_progress


def first_stop(criterion, train_errors, val_errors):
    """1-based epoch at which `criterion` first says stop (None if never)."""
    for epoch, (train_error, val_error) in enumerate(zip(train_errors, val_errors), start=1):
        if criterion.step(train_error, val_error):
            return epoch
    return None


def test_generalization_loss_and_training_progress_formulas():
    # GL = 100·(E_va/E_opt − 1); P_k = 1000·(Σ strip / (k·min strip) − 1)
    assert generalization_loss(0.36, 0.35) == pytest.approx(100 * (0.36 / 0.35 - 1))
    assert generalization_loss(0.30, 0.30) == 0.0
    assert training_progress([0.35, 0.32, 0.30]) == pytest.approx(1000 * (0.97 / 0.90 - 1))  # 77.78
    assert training_progress([0.2, 0.2, 0.2]) == 0.0
    # zero errors: the limits of the ratios
    assert generalization_loss(0.0, 0.0) == 0.0 and generalization_loss(0.1, 0.0) == math.inf
    assert training_progress([0.0, 0.0]) == 0.0 and training_progress([0.1, 0.0]) == math.inf


def test_gl_stops_at_the_first_epoch_above_alpha():
    val = [0.50, 0.40, 0.35, 0.36, 0.34, 0.37, 0.38]
    # E_opt: .50 .40 .35 .35 .34 .34 .34 -> GL: 0 0 0 2.857 0 8.824 11.76; α = 5 -> epoch 6
    rule = GL(alpha=5.0)
    gls = []
    for epoch, error in enumerate(val, start=1):
        stop = rule.step(0.0, error)
        gls.append(rule.gl)
        if stop:
            break
    assert epoch == 6
    assert gls == pytest.approx([0, 0, 0, 100 * (0.36 / 0.35 - 1), 0, 100 * (0.37 / 0.34 - 1)])
    assert first_stop(GL(alpha=10.0), [0] * 7, val) == 7
    assert GL(5.0).name == "GL_5"


TRAIN = [0.60, 0.50, 0.40, 0.35, 0.32, 0.30, 0.295, 0.292, 0.290]
VAL = [0.55, 0.45, 0.40, 0.38, 0.39, 0.41, 0.42, 0.43, 0.44]


def test_pq_is_evaluated_only_at_strip_ends():
    # strip k = 3; strip ends t = 3, 6, 9.  E_opt = 0.38 from t = 4 on.
    # t=3: GL 0 -> PQ 0.   t=6: GL = 100·(.41/.38−1) = 7.895, P = 1000·(.97/.90−1) = 77.78, PQ = 0.1015
    # t=9: GL = 100·(.44/.38−1) = 15.79, P = 1000·(.877/.870−1) = 8.046, PQ = 1.962
    rule = PQ(alpha=0.5, strip=3)
    quotients = {}
    for epoch, (train_error, val_error) in enumerate(zip(TRAIN, VAL), start=1):
        stop = rule.step(train_error, val_error)
        if not math.isnan(rule.quotient):
            quotients[epoch] = rule.quotient
        assert stop == (epoch == 9)
    gl6, p6 = 100 * (0.41 / 0.38 - 1), 1000 * (0.97 / 0.90 - 1)
    gl9, p9 = 100 * (0.44 / 0.38 - 1), 1000 * (0.877 / 0.870 - 1)
    assert quotients == pytest.approx({3: 0.0, 6: gl6 / p6, 9: gl9 / p9})
    assert rule.values() == pytest.approx({"gl": gl9, "progress": p9, "pq": gl9 / p9})
    # GL_5 would have stopped at t = 6 already, PQ waits for training progress to fade
    assert first_stop(GL(5.0), TRAIN, VAL) == 6
    assert first_stop(PQ(alpha=0.05, strip=3), TRAIN, VAL) == 6


def test_pq_with_no_training_progress_stops_once_generalization_loss_is_positive():
    rule = PQ(alpha=100.0, strip=2)
    assert first_stop(rule, [0.0] * 4, [0.1, 0.1, 0.1, 0.2]) == 4  # P = 0 and GL > 0: quotient inf
    assert rule.quotient == math.inf


def test_up_counts_successive_strip_increases():
    val = [0.5, 0.4, 0.35, 0.38, 0.36, 0.39, 0.37, 0.41]
    # strip k = 2: ends at t = 2, 4, 6, 8 with E_va = .40, .38, .39, .41;
    # rises at t = 6 (.39 > .38) and t = 8 (.41 > .39); the dips at odd epochs are not looked at
    assert first_stop(UP(s=1, strip=2), [0] * 8, val) == 6
    assert first_stop(UP(s=2, strip=2), [0] * 8, val) == 8
    assert first_stop(UP(s=3, strip=2), [0] * 8, val) is None
    # a strip without a rise resets the count: rise, fall, rise never makes two in a row
    assert first_stop(UP(s=2, strip=1), [0] * 5, [0.3, 0.4, 0.35, 0.36, 0.2]) is None
    assert UP(3, 5).name == "UP_3"


def test_patience_with_min_delta_in_mode_min():
    values = [1.0, 0.95, 0.94, 0.935, 0.93, 0.90]
    # min_delta .02: e2 improves (.95 < .98); e3-e5 do not (need < .93, strict) -> wait 3 at e5
    assert first_stop(Patience(3, min_delta=0.02), [0] * 6, values) == 5
    assert first_stop(Patience(3), [0] * 6, values) is None  # every epoch improves without min_delta


def test_patience_in_mode_max_and_ties():
    accuracies = [0.5, 0.6, 0.6, 0.59, 0.61]
    rule = Patience(2, mode="max")
    assert first_stop(rule, [0] * 5, accuracies) == 4  # a tie is no improvement
    assert rule.best == 0.6 and rule.wait == 2
    assert first_stop(Patience(2, mode="max"), [0] * 3, [0.5, math.nan, 0.55]) is None  # NaN waits, 0.55 improves


@pytest.mark.parametrize(
    "build, key",
    [
        (lambda: Patience(0), "early_stopping.patience"),
        (lambda: Patience(2, min_delta=-1), "early_stopping.min_delta"),
        (lambda: Patience(2, mode="auto"), "early_stopping.mode"),
        (lambda: GL(0), "early_stopping.alpha"),
        (lambda: PQ(1.0, strip=0), "early_stopping.strip"),
        (lambda: UP(0), "early_stopping.successive_strips"),
    ],
)
def test_bad_arguments_name_their_config_key(build, key):
    with pytest.raises(ConfigError, match=key):
        build()
