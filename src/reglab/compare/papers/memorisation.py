"""Zhang et al.'s Fig. 1 measured on runs: how long each corruption takes to fit the
training set, and what the fitted network scores on true test labels.

Fit time is the first epoch whose training accuracy (the running accuracy over the
epoch's batches, `train/acc`) reaches a threshold: 95 % and 100 % (every training
batch of the epoch classified right). The paper's Fig. 1b plots the steps to fit
against the label-noise level (the time grows with the noise, by a small constant
factor for random labels); Fig. 1c the test error against it (it grows to chance).

Reference:
    Zhang, C., Bengio, S., Hardt, M., Recht, B. & Vinyals, O. (2017). Understanding deep
    learning requires rethinking generalization. ICLR. arXiv:1611.03530.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

__all__ = ["FitTime", "fit_times", "fit_time_table"]


@dataclass(frozen=True)
class FitTime:
    """One arm: epochs to 95 % and to 100 % training accuracy (None: never), last train
    accuracy, and the test accuracy of the weights the run kept."""

    name: str
    epochs_95: int | None
    epochs_100: int | None
    train_acc: float | None
    test_acc: float | None


def fit_times(runs: Sequence[Any]) -> list[FitTime]:
    """A `FitTime` per run, in order (test accuracy as the comparison table shows it)."""
    from reglab.compare.notes import first_epoch_reaching
    from reglab.compare.table import run_figures

    found = []
    for run in runs:
        figures = run_figures(run)
        found.append(FitTime(run.name, first_epoch_reaching(run.history, "train/acc", 0.95),
                             first_epoch_reaching(run.history, "train/acc", 1.0), figures.get("train/acc"),
                             figures.get("test/acc")))
    return found


def _number(value: float | int | None, text: str) -> str:
    return "never" if value is None else text.format(value)


def fit_time_table(runs: Sequence[Any], classes: int = 0) -> str:
    """The table: per arm, epochs to 95 % and 100 % train accuracy, the slowdown relative
    to the first run (true labels) at 100 %, last train accuracy, test accuracy and error."""
    rows = fit_times(runs)
    reference = rows[0].epochs_100 if rows else None
    lines = [f"{'run':<20}{'epochs to 95%':>14}{'to 100%':>9}{'× true':>8}{'train acc':>11}{'test acc':>10}"
             f"{'test error':>12}"]
    for row in rows:
        slowdown = row.epochs_100 / reference if (row.epochs_100 and reference) else None
        lines.append(f"{row.name[:19]:<20}{_number(row.epochs_95, '{}'):>14}{_number(row.epochs_100, '{}'):>9}"
                     f"{_number(slowdown, '{:.1f}'):>8}{_number(row.train_acc, '{:.3f}'):>11}"
                     f"{_number(row.test_acc, '{:.3f}'):>10}"
                     f"{_number(None if row.test_acc is None else 1 - row.test_acc, '{:.3f}'):>12}")
    lines.append("epochs to 95% / 100%: first epoch whose running train accuracy reaches it")
    lines.append(f"(fit time, Fig. 1b); × true: fit time to 100% relative to {rows[0].name if rows else 'the first run'}")
    lines.append("train acc: last epoch; test acc: the weights the run kept (Fig. 1c)")
    if classes:
        lines.append(f"chance level: 1/{classes} = {1 / classes:.3f} test accuracy")
    return "\n".join(lines)
