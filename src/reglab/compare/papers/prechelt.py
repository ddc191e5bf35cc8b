"""Prechelt's comparison of early-stopping criteria, evaluated on recorded histories.

Prechelt (1998) trained each network once for a fixed number of epochs, recorded the
training, validation and test errors of every epoch, and then asked of every criterion
C (GL_α, PQ_α, UP_s for several thresholds) when it *would* have stopped. This module
does the same on reglab runs trained without stopping, and it uses the live stopper's
own code for it: each criterion is built by `reglab.stopping.technique.make_criterion`
from an `early_stopping` config section, wrapped in the `EarlyStopping` callback a run
uses, and fed the run's history rows one epoch at a time (E_tr = 1 − train/acc,
E_va = 1 − val/acc by `prechelt_errors`). No second implementation of any criterion
exists. The weights a stopped run keeps are those of the epoch with the lowest
validation error up to the stop (Prechelt's protocol; `EarlyStopping` tracks it with
monitor `val/acc`, first epoch on ties).

Per run, with t_s(C) the stop epoch (the last epoch when C never fires), t_opt the epoch
of lowest validation error over the whole run, and E_te(t) the test error at epoch t:

    slowness vs t_opt          t_s(C) / t_opt
    slowness vs the fastest    t_s(C) / t_s(Ĉ), Ĉ the criterion with the smallest mean t_s
    test-error ratio           E_te(kept(C)) / E_te(t_opt)       (1 = as good as the best stop)

and the table reports their means over the runs, as Prechelt's tables do.

Reference:
    Prechelt, L. (1998). Early Stopping — But When? In Neural Networks: Tricks of the
    Trade, LNCS 1524, pp. 55–69. Springer. Also: Automatic early stopping using cross
    validation: quantifying the criteria. Neural Networks 11(4), 761–767.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Mapping, Sequence

from matplotlib.figure import Figure

from reglab.contract.events import Stop
from reglab.stopping.callback import EarlyStopping, prechelt_errors
from reglab.stopping.technique import make_criterion

__all__ = [
    "CRITERIA",
    "CriterionStop",
    "stop_on_history",
    "criterion_stops",
    "criterion_rows",
    "criterion_table",
    "plot_tradeoff",
]

# (label, early_stopping keys): the three classes over thresholds like Prechelt's.
CRITERIA: tuple[tuple[str, dict[str, Any]], ...] = (
    ("GL_1", {"criterion": "gl", "alpha": 1.0}),
    ("GL_2", {"criterion": "gl", "alpha": 2.0}),
    ("GL_3", {"criterion": "gl", "alpha": 3.0}),
    ("GL_5", {"criterion": "gl", "alpha": 5.0}),
    ("PQ_0.5", {"criterion": "pq", "alpha": 0.5, "strip": 5}),
    ("PQ_0.75", {"criterion": "pq", "alpha": 0.75, "strip": 5}),
    ("PQ_1", {"criterion": "pq", "alpha": 1.0, "strip": 5}),
    ("PQ_2", {"criterion": "pq", "alpha": 2.0, "strip": 5}),
    ("PQ_3", {"criterion": "pq", "alpha": 3.0, "strip": 5}),
    ("UP_2", {"criterion": "up", "successive_strips": 2, "strip": 5}),
    ("UP_3", {"criterion": "up", "successive_strips": 3, "strip": 5}),
    ("UP_4", {"criterion": "up", "successive_strips": 4, "strip": 5}),
)


@dataclass(frozen=True)
class CriterionStop:
    """Where one criterion stops one history.

    Attributes:
        stop_epoch: t_s, the epoch after which it stops (the last epoch if it never fires).
        fired: whether it fired before the last epoch.
        kept_epoch: the epoch of lowest validation error up to t_s (the weights kept).
    """

    stop_epoch: int
    fired: bool
    kept_epoch: int


def _settings(keys: Mapping[str, Any]) -> Any:
    from reglab.config import load_config

    return load_config(overrides=[(f"early_stopping.{key}", value) for key, value in keys.items()]).early_stopping


def stop_on_history(history: Sequence[Mapping[str, float]], keys: Mapping[str, Any]) -> CriterionStop:
    """Replay `history` (a run's rows, epoch 1 first) through the live `EarlyStopping` with
    the criterion that the `early_stopping` keys `keys` configure.

    Example:
        >>> rows = [{"epoch": e, "train/acc": 0.9, "val/acc": v} for e, v in enumerate([0.8, 0.9, 0.85, 0.8], 1)]
        >>> stop_on_history(rows, {"criterion": "gl", "alpha": 5.0})
        CriterionStop(stop_epoch=3, fired=True, kept_epoch=2)
    """
    return _replay(history, _settings(keys))


def _replay(history: Sequence[Mapping[str, float]], settings: Any) -> CriterionStop:
    stopper = EarlyStopping(make_criterion(settings, "max"), monitor="val/acc", planned_epochs=len(history))
    for row in history:
        if isinstance(stopper.on_epoch_end(SimpleNamespace(epoch=int(row["epoch"]), metrics=row)), Stop):
            break
    fired = stopper.stop_epoch is not None
    stop = stopper.stop_epoch if fired else len(history)
    return CriterionStop(int(stop), fired, int(stopper.best_epoch or stop))


def criterion_stops(histories: Sequence[Sequence[Mapping[str, float]]],
                    criteria: Sequence[tuple[str, Mapping[str, Any]]] = CRITERIA) -> dict[str, list[CriterionStop]]:
    """Every criterion replayed on every history (the config section is built once per criterion)."""
    found = {}
    for label, keys in criteria:
        settings = _settings(keys)
        found[label] = [_replay(history, settings) for history in histories]
    return found


def _test_error(history: Sequence[Mapping[str, float]], epoch: int) -> float:
    return 1.0 - float(history[epoch - 1]["test/acc"])


def _best_epoch(history: Sequence[Mapping[str, float]]) -> int:
    errors = [prechelt_errors(row)[1] for row in history]
    return errors.index(min(errors)) + 1


def criterion_rows(histories: Sequence[Sequence[Mapping[str, float]]],
                   criteria: Sequence[tuple[str, Mapping[str, Any]]] = CRITERIA) -> list[dict[str, Any]]:
    """One row per criterion: fired (fraction of runs), mean t_s, mean slowness vs t_opt and
    vs the fastest criterion, mean test-error ratio, fraction of runs that kept t_opt,
    mean test accuracy of the kept weights. Two reference rows come first: `t_opt` (the
    best validation epoch of the whole run) and `no stopping` (the last epoch)."""
    histories = [list(history) for history in histories if history]
    optimal = [_best_epoch(history) for history in histories]
    best_errors = [_test_error(history, epoch) for history, epoch in zip(histories, optimal)]
    stops = criterion_stops(histories, criteria)
    fastest = min(stops, key=lambda label: statistics.fmean(stop.stop_epoch for stop in stops[label]))

    def ratio(error: float, best: float) -> float:
        return error / best if best > 0 else (1.0 if error == 0 else math.inf)

    def row(label: str, stop_epochs: Sequence[int], kept: Sequence[int], fired: float) -> dict[str, Any]:
        errors = [_test_error(history, epoch) for history, epoch in zip(histories, kept)]
        return {
            "criterion": label,
            "fired": fired,
            "epochs": statistics.fmean(stop_epochs),
            "slowness_opt": statistics.fmean(t / t_opt for t, t_opt in zip(stop_epochs, optimal)),
            "slowness_fastest": statistics.fmean(
                t / reference.stop_epoch for t, reference in zip(stop_epochs, stops[fastest])),
            "error_ratio": statistics.fmean(ratio(e, b) for e, b in zip(errors, best_errors)),
            "found_opt": statistics.fmean(float(k == o) for k, o in zip(kept, optimal)),
            "test_acc": statistics.fmean(1.0 - error for error in errors),
        }

    last = [len(history) for history in histories]
    rows = [row("t_opt (best val)", optimal, optimal, 0.0), row("no stopping", last, last, 0.0)]
    for label, found in stops.items():
        rows.append(row(label, [stop.stop_epoch for stop in found], [stop.kept_epoch for stop in found],
                        statistics.fmean(float(stop.fired) for stop in found)))
    for item in rows:
        item["fastest"] = fastest
    return rows


def plot_tradeoff(rows: Sequence[Mapping[str, Any]]) -> Figure | None:
    """Each criterion as a point: mean training time relative to t_opt (x) against the mean
    test-error ratio of the weights it keeps (y); one colour per class (GL, PQ, UP), the
    reference rows in grey. Returns a matplotlib Figure (None without rows)."""
    from reglab.report.plots.style import finish_legend, new_figure, run_colors

    if not rows:
        return None
    figure = new_figure(7.0, 4.4)
    axes = figure.add_subplot(1, 1, 1)
    classes = ["GL", "PQ", "UP"]
    colors = dict(zip(classes, run_colors(len(classes))))
    for family in classes:
        members = [row for row in rows if row["criterion"].startswith(family + "_")]
        if members:
            axes.plot([row["slowness_opt"] for row in members], [row["error_ratio"] for row in members], marker="o",
                      color=colors[family], label=family)
            for row in members:
                axes.annotate(row["criterion"], (row["slowness_opt"], row["error_ratio"]), textcoords="offset points",
                              xytext=(4, 4), fontsize=7, color=colors[family])
    for row in rows:
        if row["criterion"][:2] not in classes:
            axes.scatter([row["slowness_opt"]], [row["error_ratio"]], color="#777", marker="s", zorder=3)
            axes.annotate(row["criterion"].split(" (")[0], (row["slowness_opt"], row["error_ratio"]),
                          textcoords="offset points", xytext=(-20, -12), fontsize=7, color="#555")
    axes.set_xscale("log")
    ticks = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50]
    low, high = axes.get_xlim()
    shown = [tick for tick in ticks if low <= tick <= high]
    axes.set_xticks(shown, [f"{tick:g}" for tick in shown])
    axes.minorticks_off()
    axes.set_xlabel("training time: mean t_s / t_opt (log)")
    axes.set_ylabel("test error of the kept weights / at t_opt")
    axes.set_title("Early stopping: training time vs generalization")
    finish_legend(axes)
    return figure


def criterion_table(histories: Sequence[Sequence[Mapping[str, float]]],
                    criteria: Sequence[tuple[str, Mapping[str, Any]]] = CRITERIA,
                    rows: Sequence[Mapping[str, Any]] | None = None) -> str:
    """Prechelt's table as text: one row per criterion, means over the runs (`rows`:
    `criterion_rows` already computed on the same histories)."""
    rows = rows if rows is not None else criterion_rows(histories, criteria)
    fastest = rows[0]["fastest"]
    width = max(9, len(fastest) + 5)
    lines = [
        f"{len([h for h in histories if h])} runs, each trained to the end and replayed through every criterion",
        f"{'criterion':<17}{'fired':>6}{'epochs':>7}{'t_s/t_opt':>10}{f't_s/{fastest}':>{width}}"
        f"{'E_te ratio':>11}{'kept t_opt':>11}{'test acc':>9}",
    ]
    for item in rows:
        lines.append(
            f"{item['criterion']:<17}{100 * item['fired']:>5.0f}%{item['epochs']:>7.1f}{item['slowness_opt']:>10.2f}"
            f"{item['slowness_fastest']:>{width}.2f}{item['error_ratio']:>11.3f}{100 * item['found_opt']:>10.0f}%"
            f"{item['test_acc']:>9.3f}")
    lines += [
        "",
        "fired: runs it stopped before the last epoch (else t_s = the last epoch)",
        "epochs: mean t_s; t_s/t_opt: mean ratio to the epoch of lowest validation",
        f"error of the whole run; t_s/{fastest}: mean ratio to the fastest criterion;",
        "E_te ratio: mean test error of the weights kept (lowest validation error",
        "up to t_s) / test error at t_opt; kept t_opt: runs that kept t_opt;",
        "test acc: mean test accuracy of the weights kept",
    ]
    return "\n".join(lines)
