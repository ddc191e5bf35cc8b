"""Early stopping with `restore_best` through a whole run against the same loop with
patience and the best weights kept by hand."""

from __future__ import annotations

import copy

import pytest
import torch
from torch.nn import functional as F

from tests.reference.harness import assert_same_weights, tiny_data, tiny_model, train_reference, train_reglab


class StopTraining(Exception):
    pass


@pytest.mark.parametrize("monitor", ["val/loss", "val/acc"])
def test_patience_with_restore_best_ends_with_the_best_epochs_weights(monitor):
    patience, epochs = 2, 15
    overrides = {"optimizer.momentum": 0.9, "early_stopping.criterion": "patience", "early_stopping.patience": patience,
                 "early_stopping.monitor": monitor, "early_stopping.restore_best": True}
    run = train_reglab(overrides, epochs=epochs, lr=0.5)
    data = tiny_data()
    kept = {"best": None, "wait": 0, "epoch": 0, "values": []}

    def watch(model, epoch):
        with torch.no_grad():
            outputs = model(data.val_x)
        value = F.cross_entropy(outputs, data.val_y).item() if monitor == "val/loss" else -(outputs.argmax(1) == data.val_y).float().mean().item()
        kept["values"].append(value)
        if kept["best"] is None or value < kept["best"]:  # strict: the first of equal values stays best
            kept.update(best=value, wait=0, epoch=epoch, state=copy.deepcopy(model.state_dict()))
        else:
            kept["wait"] += 1
            if kept["wait"] >= patience:
                raise StopTraining

    model = tiny_model()
    with pytest.raises(StopTraining):
        train_reference(model, lambda m: torch.optim.SGD(m.parameters(), lr=0.5, momentum=0.9), epochs=epochs, after_epoch=watch)
    stopped_at = len(kept["values"])
    assert run.status == "stopped_early" and len(run.history) == stopped_at < epochs
    assert run.summary["restored_epoch"] == kept["epoch"] < stopped_at
    model.load_state_dict(kept["state"])
    assert_same_weights(run.model, model, moved_from=tiny_model())
    recorded = [row[monitor] for row in run.history]
    expected = kept["values"] if monitor == "val/loss" else [-value for value in kept["values"]]
    assert recorded == pytest.approx(expected, rel=1e-5, abs=1e-6)
