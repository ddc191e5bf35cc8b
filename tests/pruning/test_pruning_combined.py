"""Issue 3's acceptance run: L1 + L2 + dropout + batchnorm + augmentation + mixup + early stopping
+ iterative pruning together on digits; the stored summary shows the realised sparsity and stop epoch."""

from __future__ import annotations

import reglab
from reglab.store import RunStore
from tests.conftest import tiny_digits


def remaining_after(rounds, count, amount):
    for _ in range(rounds):
        count -= round(amount * count)  # torch masks round(a·n) of the n remaining
    return count


def test_every_technique_at_once_trains_stops_and_reports_sparsity(store_dir):
    config = tiny_digits(
        epochs=30,
        **{
            "model.hidden": [32],
            "model.dropout": 0.1,
            "model.norm": "batch",
            "regularization.l1": 1e-4,
            "regularization.l2": 1e-4,
            "augment.affine_degrees": 10,
            "augment.mixup_alpha": 0.2,
            "early_stopping.criterion": "patience",
            "early_stopping.patience": 2,
            "early_stopping.restore_best": True,
            "pruning.method": "magnitude",
            "pruning.schedule": "iterative",
            "pruning.amount": 0.3,
            "pruning.start_epoch": 1,
            "pruning.rounds": 3,
            "trajectory.enabled": True,
        },
    )
    run = reglab.train(config, store=store_dir)
    stored = RunStore(store_dir).get_run(run.id)
    summary = stored.summary
    assert stored.status == "stopped_early"
    assert summary["stop_epoch"] == len(run.history) < 30 and summary["stop_criterion"] == "patience"
    assert summary["epochs_saved"] == 30 - summary["stop_epoch"]
    rounds = summary["pruning_rounds_done"]
    assert rounds == min(3, summary["stop_epoch"])
    total = 64 * 32 + 32 * 10
    # restore_best brings back the best epoch's weights, pruned as they were then
    best_rounds = min(3, summary["restored_epoch"])
    assert summary["sparsity"] == (total - remaining_after(best_rounds, total, 0.3)) / total
    last = run.history[-1]
    assert {"loss/l1", "loss/l2", "pruning/sparsity", "stopping/best"} <= set(run.history[0])
    assert last["pruning/sparsity"] == (total - remaining_after(rounds, total, 0.3)) / total
    # parameters read by name (the trajectory recorder) see the pruned zeros too
    for row in run.history:
        for name in ("hidden.0.linear.weight", "head.weight"):
            assert row[f"param/sparsity/{name}"] == row[f"pruning/sparsity/{name}"], (row["epoch"], name)
