"""Console sinks: the run header, a progress bar and seed 000's epoch line (the store is
written by `reglab.population.record.MemberRecorder`)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from reglab.contract.events import Callback, EpochRecord, FitRecord, StepRecord

__all__ = ["ConsoleSink", "RunHeader", "epoch_line"]


class RunHeader(Callback):
    """Prints the run's id and which tensors its weight decay reaches, before the first epoch.

    `run 3f2a…: weight decay on 4 tensors (hidden.0.linear.weight, …); none on 4 (…)`
    """

    kind = "sink"
    record_only = True

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)

    def on_fit_start(self, record: FitRecord) -> None:
        from reglab.regularizers.decay import decay_groups

        decay = decay_groups(record.model, 1.0, record.config.optimizer.decay_exclude)
        self.console.print(f"run {record.run_id}: {decay.describe()}", markup=False)
        return None


def epoch_line(epoch: int, metrics: dict[str, float]) -> str:
    """Seed 000's line, with the validation figures beside it.

    `Epoch 1 completed. Loss - total: 44017.4 - average: 0.7336; Performance: 0.7534 | val loss 0.21 acc 0.93`
    """
    line = (
        f"Epoch {epoch} completed. Loss - total: {metrics['train/loss_sum']:.4f}"
        f" - average: {metrics['train/loss']:.6f}"
    )
    if "train/acc" in metrics:
        line += f"; Performance: {metrics['train/acc']:.6f}"
    if "val/loss" in metrics:
        line += f" | val loss {metrics['val/loss']:.4f}"
        if "val/acc" in metrics:
            line += f" acc {metrics['val/acc']:.4f}"
    return line


class ConsoleSink(Callback):
    """A progress bar during each epoch (on a terminal) and seed 000's line after it."""

    kind = "sink"

    def __init__(self, console: Console | None = None, show_progress: bool | None = None) -> None:
        self.console = console or Console(stderr=False, highlight=False)
        self.show_progress = self.console.is_terminal if show_progress is None else show_progress
        self.step_every = 1 if self.show_progress else None
        self._progress: Progress | None = None
        self._task: Any = None

    def on_epoch_start(self, record: EpochRecord) -> None:
        if not self.show_progress:
            return
        self._progress = Progress(
            TextColumn(f"epoch {record.epoch}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self._progress.start()
        self._task = None

    def on_step_end(self, record: StepRecord) -> None:
        if self._progress is None:
            return None
        if self._task is None:
            self._task = self._progress.add_task("train", total=record.batches_per_epoch)
        self._progress.update(self._task, completed=record.batch_in_epoch)
        return None

    def on_epoch_end(self, record: EpochRecord) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        # one line per epoch, however narrow the terminal: logs are read line by line
        self.console.print(epoch_line(record.epoch, dict(record.metrics)), markup=False, soft_wrap=True)
        return None

    def on_fit_end(self, record: FitRecord) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        return None
