"""Sweep progress: configs done / total and an ETA.

On a terminal, a rich progress bar (configs done / total, the time elapsed, the ETA);
elsewhere (logs, CI) one plain line at most every `interval` seconds and at the end.
A population's members finish together at its last epoch, and a single run may train
for minutes, so every backend and Optuna searches also count each epoch as a part of
its config (`step`, `reglab.sweep.member_epochs`): the bar and the ETA move with every
epoch, not only as configs finish.

The ETA is the work left over the rate at which this process trained since progress was
first drawn, on the bar as in the plain lines: configs done before a resumed sweep, and
whatever came before the first epochs (starting Ray, its worker processes importing torch,
loading the data: 18 s of a 33 s Ray sweep on the 2-core development CPU, whose first
line read "ETA 0:11:12" with 15 s left), are not training time. Configs that another
`reglab sweep` on the same store claimed or finished (`skip`) count as done, not toward
the rate: timed with them (as rich's own ETA column timed every move of the bar), a
process that shares a sweep took the others' work for its own speed and showed too short
an ETA. The first plain line comes `interval` seconds after the first draw, so its rate
is timed over that long.
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

__all__ = ["SweepProgress", "format_eta"]


def format_eta(seconds: float | None) -> str:
    """`1:02:03`-style remaining time, `?` when unknown."""
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class _EtaColumn(ProgressColumn):
    """The bar's ETA: `SweepProgress.eta_seconds`, so the bar and the plain lines say the same."""

    def __init__(self, progress: "SweepProgress") -> None:
        super().__init__()
        self.sweep_progress = progress

    def render(self, task: Task) -> Text:
        return Text(format_eta(self.sweep_progress.eta_seconds()), style="progress.remaining")


class SweepProgress:
    """Counts finished configs; a context manager around the sweep.

    Args:
        name: the sweep name (shown before the bar).
        total: all configs of the sweep.
        done: configs already done before this call (resume).
        console: where to draw.
        enabled: False to stay silent (quiet mode).
        interval: seconds between plain lines when not on a terminal.

    Example:
        >>> with SweepProgress("grid", total=96, done=40, console=console) as progress:
        ...     progress.advance()
    """

    def __init__(self, name: str, total: int, done: int, console: Console, enabled: bool = True, interval: float = 5.0) -> None:
        self.name, self.total, self.done = name, total, done
        self.console, self.enabled, self.interval = console, enabled, interval
        self.finished_here = 0  # configs this process trained (the rate's); `done` counts every config
        self.partial = 0.0  # parts of configs still training (epochs of population members)
        self._first: tuple[float, float] | None = None  # (time, configs trained) when work was first drawn
        self._last_line = time.monotonic()
        self._progress: Progress | None = None
        self._task: Any = None

    def __enter__(self) -> "SweepProgress":
        if self.enabled and self.console.is_terminal:
            # The bar and the ETA count the parts of configs trained; the count, whole configs done.
            self._progress = Progress(
                TextColumn(f"sweep {self.name}"), BarColumn(), TextColumn("{task.fields[done]}/{task.total} configs"),
                TimeElapsedColumn(), TextColumn("ETA"), _EtaColumn(self), console=self.console,
            )
            self._progress.start()
            self._task = self._progress.add_task("configs", total=self.total, completed=self.done, done=self._done_text())
        return self

    def _trained(self) -> float:
        return self.finished_here + self.partial

    def eta_seconds(self) -> float | None:
        """Remaining seconds at the rate of the configs (and parts of configs) trained since
        work was first drawn (see the module docstring); None until there is such a rate."""
        remaining = max(self.total - self.done - self.partial, 0.0)
        if remaining == 0:
            return 0.0
        if self._first is None:
            return None
        since, trained = self._first
        gained, elapsed = self._trained() - trained, time.monotonic() - since
        if gained <= 0 or elapsed <= 0:
            return None
        return remaining / (gained / elapsed)

    def step(self, fraction: float, show: bool = True) -> None:
        """`fraction` of a config trained (one epoch of a population's member).

        `show=False` counts it without drawing: members report an epoch one after another,
        and a line drawn after the first would count only the first (its ETA many times too
        long); the caller calls `show` once they all have."""
        self.partial += fraction
        if show:
            self.show()

    def advance(self, count: int = 1, settled: float = 0.0) -> None:
        """`count` configs finished; `settled` is the part of them `step` had counted already."""
        self.done += count
        self.finished_here += count
        self.partial -= settled
        if self.partial < 1e-9:  # every part settled (sums of 1/epochs leave rounding behind)
            self.partial = 0.0
        self.show()

    def skip(self, count: int = 1) -> None:
        """`count` configs done by another process (claimed or finished meanwhile): done, and
        left out of the rate."""
        self.done += count
        self.show()

    def _done_text(self) -> str:
        return f"{self.done:>{len(str(self.total))}}"

    def show(self) -> None:
        """Draw the bar, or a plain line when `interval` has passed since the last one (or since
        work was first drawn), and at the end."""
        now = time.monotonic()
        if self._first is None and self._trained() > 0:
            self._first, self._last_line = (now, self._trained()), now
        if self._progress is not None:
            self._progress.update(self._task, completed=self.done + self.partial, done=self._done_text())
        elif self.enabled and (now - self._last_line >= self.interval or self.done >= self.total):
            self._last_line = now
            share = f" ({100 * (self.done + self.partial) / self.total:.0f}% trained)" if self.partial else ""
            self.console.print(
                f"sweep {self.name}: {self.done}/{self.total} configs done{share}, ETA {format_eta(self.eta_seconds())}", markup=False
            )

    def note(self, message: str) -> None:
        """A one-line message above the bar."""
        if self.enabled:
            self.console.print(message, markup=False)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
