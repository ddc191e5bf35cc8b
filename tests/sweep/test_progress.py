"""Sweep progress: whole configs and the epochs of population members move the count and the ETA."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from reglab.sweep.progress import SweepProgress, format_eta


def _plain(total: int, done: int = 0) -> tuple[SweepProgress, io.StringIO]:
    out = io.StringIO()
    return SweepProgress("grid", total=total, done=done, console=Console(file=out, width=80), interval=0.0), out


@pytest.fixture
def clock(monkeypatch):
    """The progress's clock, set by hand (seconds)."""
    now = [1000.0]
    monkeypatch.setattr("reglab.sweep.progress.time.monotonic", lambda: now[0])
    return now


def test_epochs_of_members_count_as_parts_of_configs(clock):
    progress, out = _plain(total=4)
    clock[0] += 10.0
    progress.step(0.5)  # two members of a 4-epoch population, one epoch each: no rate yet
    assert progress.eta_seconds() is None
    clock[0] += 10.0
    progress.step(0.5)  # their second epoch, ten seconds later
    assert progress.partial == 1.0
    assert progress.eta_seconds() == pytest.approx((4 - 1.0) / (0.5 / 10.0), rel=1e-9)
    progress.advance(settled=0.5)  # one of them stops early after that epoch
    assert (progress.done, progress.partial) == (1, 0.5)
    assert progress.eta_seconds() == pytest.approx((4 - 1.5) / (1.0 / 10.0), rel=1e-9)
    assert out.getvalue().splitlines() == [
        "sweep grid: 0/4 configs done (12% trained), ETA ?",
        "sweep grid: 0/4 configs done (25% trained), ETA 0:01:00",  # 3 configs at 0.05/s
        "sweep grid: 1/4 configs done (38% trained), ETA 0:00:25",
    ]


def test_without_parts_the_eta_follows_whole_configs(clock):
    progress, out = _plain(total=10, done=4)  # four done before this call: not in the rate
    assert progress.eta_seconds() is None and format_eta(None) == "?"
    clock[0] += 60.0
    progress.advance(2)
    clock[0] += 60.0
    progress.advance(1)
    assert progress.eta_seconds() == pytest.approx(3 / (1 / 60.0), rel=1e-9)
    assert out.getvalue().splitlines()[-1] == "sweep grid: 7/10 configs done, ETA 0:03:00"


def test_the_last_line_counts_whole_configs_once_every_part_is_settled(clock):
    progress, out = _plain(total=3)
    for _ in range(7):  # three members of a 7-epoch population
        for _ in range(3):
            progress.step(1 / 7)
    clock[0] += 30.0
    for _ in range(3):
        progress.advance(settled=sum([1 / 7] * 7))
    assert progress.partial == 0.0
    assert out.getvalue().splitlines()[-1] == "sweep grid: 3/3 configs done, ETA 0:00:00"


def test_the_eta_leaves_out_the_start_up_before_the_first_epochs(clock):
    """A Ray sweep as measured: 18 s before the first epochs reach the driver (Ray, its
    workers importing torch, the data), then 2.4 configs a second. The first line comes
    5 s after the first epochs were drawn, with the rate of those 5 s; timed from the start,
    it read 'ETA 0:07:42' with 8 s left."""
    out = io.StringIO()
    progress = SweepProgress("grid", total=32, done=0, console=Console(file=out, width=80))  # a line at most every 5 s
    clock[0] += 18.0
    for _ in range(12):  # a poll every 0.5 s, with 1.2 configs' epochs each
        progress.step(1.2)
        clock[0] += 0.5
    assert out.getvalue().splitlines() == ["sweep grid: 0/32 configs done (41% trained), ETA 0:00:08"]  # (32 - 13.2) / 2.4
    assert progress.eta_seconds() == pytest.approx((32 - 14.4) / (13.2 / 6.0), rel=1e-9)


def test_a_populations_epoch_is_drawn_once_every_member_has_reported_it(tmp_path, monkeypatch):
    """Members report an epoch one by one; a line drawn after the first counted one member only."""
    from functools import partial

    import reglab.sweep.runner as runner
    from reglab.sweep import run_sweep
    from tests.conftest import tiny_digits

    monkeypatch.setattr(runner, "SweepProgress", partial(SweepProgress, interval=0.0))  # a line at every draw
    out = io.StringIO()
    sweep = {"name": "grid", "method": "grid", "base": tiny_digits(epochs=4), "parameters": {"optimizer.lr": [0.1, 0.05, 0.02]}}
    run_sweep(sweep, backend="population", store=tmp_path / "store", console=Console(file=out, width=120))
    lines = [line.split(", ETA")[0] for line in out.getvalue().splitlines() if "configs done" in line]
    drawn = [line for previous, line in zip([None] + lines, lines) if line != previous]  # each member asks for a draw
    assert drawn[:4] == [f"sweep grid: 0/3 configs done ({percent}% trained)" for percent in (25, 50, 75, 100)]
    assert drawn[-1] == "sweep grid: 3/3 configs done"


def test_a_sequential_sweeps_runs_move_the_progress_every_epoch(tmp_path, monkeypatch):
    """A single run's epochs count as parts of its config: 1/4 per epoch, settled when it ends."""
    from functools import partial

    import reglab.sweep.runner as runner
    from reglab.sweep import run_sweep
    from tests.conftest import tiny_digits

    monkeypatch.setattr(runner, "SweepProgress", partial(SweepProgress, interval=0.0))  # a line at every draw
    out = io.StringIO()
    sweep = {"name": "grid", "method": "grid", "base": tiny_digits(epochs=4), "parameters": {"optimizer.lr": [0.1, 0.05]}}
    run_sweep(sweep, backend="sequential", store=tmp_path / "store", console=Console(file=out, width=120))
    lines = [line.split(", ETA")[0] for line in out.getvalue().splitlines() if "configs done" in line]
    assert lines == [f"sweep grid: 0/2 configs done ({percent}% trained)" for percent in (12, 25, 38, 50)] + [
        "sweep grid: 1/2 configs done"] + [f"sweep grid: 1/2 configs done ({percent}% trained)" for percent in (62, 75, 88, 100)] + [
        "sweep grid: 2/2 configs done"]


def test_on_a_terminal_the_bar_moves_with_parts_and_the_count_stays_whole_configs():
    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=True)
    with SweepProgress("grid", total=12, done=0, console=console) as progress:
        progress.step(4.5)  # 18 member epochs of 4-epoch configs
        task = progress._progress.tasks[0]
        assert (task.completed, task.fields["done"]) == (4.5, " 0")
        progress.advance(settled=0.25)
        assert (task.completed, task.fields["done"]) == (5.25, " 1")
        progress._progress.refresh()
    assert " 1/12 configs" in out.getvalue()


def test_configs_done_by_another_process_count_as_done_but_not_toward_the_rate(clock):
    """Three processes share a sweep: the configs the others claimed or finished move the
    count, while the ETA's rate is what this process trained (one config a minute here)."""
    progress, out = _plain(total=10)
    clock[0] += 5.0
    progress.advance()  # the first config trained here: the rate is timed from this draw
    clock[0] += 60.0
    progress.skip(4)  # the other processes finished four meanwhile
    progress.advance()
    assert (progress.done, progress.finished_here) == (6, 2)
    assert progress.eta_seconds() == pytest.approx(4 * 60.0, rel=1e-9)
    assert out.getvalue().splitlines()[-1] == "sweep grid: 6/10 configs done, ETA 0:04:00"


def test_the_bars_eta_is_the_same_rate_as_the_plain_lines(clock):
    """rich's own ETA column timed every move of the bar, the other processes' configs included."""
    console = Console(file=io.StringIO(), width=100, force_terminal=True)
    with SweepProgress("grid", total=10, done=0, console=console) as progress:
        clock[0] += 5.0
        progress.advance()
        clock[0] += 60.0
        progress.skip(4)
        progress.advance()
        task, column = progress._progress.tasks[0], progress._progress.columns[-1]
        assert str(column.render(task)) == "0:04:00"
