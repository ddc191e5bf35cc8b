"""EarlyStopping / RestoreBest as run units: monitor, threshold, warm-up, E_opt weights, summary."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from reglab.config import ConfigError
from reglab.contract.events import EpochRecord, FitRecord, Stop
from reglab.stopping import GL, EarlyStopping, Patience, RestoreBest, resolve_mode


class _Config:
    epochs = 10


def drive(stopper, rows, model=None, weights=None, restorer=None):
    """Feed metric rows as epochs; optionally set the model's weights to `weights[i]` first.

    Returns (stop epoch or None, history, summary)."""
    model = model or nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    stopper.on_fit_start(FitRecord(model, optimizer, _Config(), None))
    history, stopped = [], None
    for epoch, row in enumerate(rows, start=1):
        if weights is not None:
            with torch.no_grad():
                model.weight.copy_(weights[epoch - 1])
        metrics = {**row, "epoch": epoch}
        result = stopper.on_epoch_end(EpochRecord(epoch, epoch, model, optimizer, metrics, history))
        if isinstance(result, Stop):
            stopped = epoch
        else:
            metrics.update(result)
        history.append(metrics)
        if stopped:
            break
    fit_end = FitRecord(model, optimizer, _Config(), None, len(history), history)
    if restorer is not None:
        restorer.on_fit_end(fit_end)
    return stopped, history, stopper.on_fit_end(fit_end)


def test_mode_auto_is_max_for_accuracies():
    assert resolve_mode("val/acc", "auto") == "max"
    assert resolve_mode("val/loss", "auto") == "min"
    assert resolve_mode("val/acc", "min") == "min"


def test_patience_reads_the_monitor_and_the_summary_names_the_stop():
    rows = [{"val/acc": value} for value in (0.5, 0.7, 0.69, 0.7, 0.6, 0.9)]
    stopper = EarlyStopping(Patience(3, mode="max"), monitor="val/acc")
    stopped, history, summary = drive(stopper, rows)
    assert stopped == 5
    assert [row.get("stopping/wait") for row in history[:4]] == [0, 0, 1, 2]
    assert history[3]["stopping/best"] == 0.7
    assert summary["stop_epoch"] == 5 and summary["stop_criterion"] == "patience"
    assert summary["best_epoch"] == 2 and summary["best_monitor"] == "val/acc"
    assert summary["best"]["val/acc"] == 0.7
    assert summary["epochs_saved"] == 10 - 5
    assert summary["stop_values"] == {"stopping/wait": 3.0, "stopping/best": 0.7}


def test_threshold_stops_once_reached_in_either_mode():
    losses = [{"val/loss": value} for value in (1.0, 0.5, 0.2, 0.1)]
    assert drive(EarlyStopping(None, threshold=0.2), losses)[0] == 3  # 0.2 <= 0.2
    accuracies = [{"val/acc": value} for value in (0.5, 0.79, 0.8, 0.9)]
    stopped, _, summary = drive(EarlyStopping(None, monitor="val/acc", threshold=0.8), accuracies)
    assert stopped == 3 and summary["stop_criterion"] == "threshold"


def test_start_from_epoch_is_a_warm_up_that_cannot_stop_or_be_best():
    rows = [{"val/loss": value} for value in (0.1, 0.9, 1.0, 1.1, 1.2, 1.3)]
    stopped, history, summary = drive(EarlyStopping(Patience(1), start_from_epoch=2), rows)
    # epochs 1-2 ignored: epoch 3 (1.0) is the first reference, epoch 4 is worse -> stop at 4
    assert stopped == 4
    assert summary["best_epoch"] == 3
    assert "stopping/wait" not in history[0] and "stopping/wait" not in history[1]
    assert drive(EarlyStopping(Patience(1)), rows)[0] == 2  # without warm-up epoch 2 already stops


def test_prechelt_criteria_read_one_minus_accuracy_when_accuracies_exist():
    rows = [{"train/acc": 0.5, "val/acc": a, "train/loss": 9.0, "val/loss": 0.0} for a in (0.6, 0.65, 0.64, 0.62)]
    # E_va = .40 .35 .36 .38; E_opt = .35 -> GL = 0 0 2.857 8.571: GL_5 stops at 4 (losses would never)
    stopped, history, summary = drive(EarlyStopping(GL(5.0)), rows)
    assert stopped == 4
    assert history[2]["stopping/gl"] == pytest.approx(100 * (0.36 / 0.35 - 1))
    assert summary["stop_values"]["stopping/gl"] == pytest.approx(100 * (0.38 / 0.35 - 1))
    regression = [{"train/loss": 1.0, "val/loss": v} for v in (0.40, 0.35, 0.36, 0.38)]
    assert drive(EarlyStopping(GL(5.0)), regression)[0] == 4


def test_a_stop_at_the_last_planned_epoch_lets_the_run_complete():
    rows = [{"val/loss": value} for value in (1.0, 0.5, 0.6, 0.7)]
    stopped, _, summary = drive(EarlyStopping(Patience(2), planned_epochs=4), rows)
    assert stopped is None and summary["stop_epoch"] is None and summary["epochs_saved"] == 0


def test_restore_best_loads_the_weights_of_the_best_epoch():
    weights = [torch.full((1, 2), float(epoch)) for epoch in range(1, 7)]
    rows = [{"val/loss": value} for value in (0.9, 0.5, 0.3, 0.4, 0.3, 0.8)]  # best: epoch 3 (first on ties)
    model = nn.Linear(2, 1)
    stopper = EarlyStopping(Patience(3), keep_best=True)
    stopped, _, summary = drive(stopper, rows, model, weights, RestoreBest(stopper))
    assert stopped == 6
    assert torch.equal(model.weight, weights[2])
    assert summary["restored_epoch"] == 3 and summary["best_epoch"] == 3
    # the kept copy is a clone, not a view of the live weights
    assert stopper.best_state["weight"].data_ptr() != model.weight.data_ptr()


def test_a_missing_monitor_is_a_config_error_naming_the_key():
    with pytest.raises(ConfigError, match="early_stopping.monitor: got 'val/f1'"):
        drive(EarlyStopping(Patience(2), monitor="val/f1"), [{"val/loss": 1.0}])
