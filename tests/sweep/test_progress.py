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
    clock[0] += 10.0  # ten seconds in
    for _ in range(2):  # two members of a 4-epoch population, one epoch each
        progress.step(0.25)
    assert progress.partial == 0.5
    assert progress.eta_seconds() == pytest.approx((4 - 0.5) / (0.5 / 10.0), rel=1e-9)
    progress.advance(settled=0.25)  # one of them stops early after that epoch
    assert (progress.done, progress.partial) == (1, 0.25)
    assert progress.eta_seconds() == pytest.approx((4 - 1.25) / (1.25 / 10.0), rel=1e-9)
    lines = out.getvalue().splitlines()
    assert lines[0] == "sweep grid: 0/4 configs done (6% trained), ETA 0:02:30"  # 3.75 configs at 0.025/s
    assert lines[-1] == "sweep grid: 1/4 configs done (31% trained), ETA 0:00:22"


def test_without_parts_the_eta_follows_whole_configs(clock):
    progress, out = _plain(total=10, done=4)  # four done before this call: not in the rate
    assert progress.eta_seconds() is None and format_eta(None) == "?"
    clock[0] += 60.0
    progress.advance(2)
    assert progress.eta_seconds() == pytest.approx(4 / (2 / 60.0), rel=1e-9)
    assert out.getvalue().strip() == "sweep grid: 6/10 configs done, ETA 0:02:00"


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


def test_the_eta_is_timed_from_the_end_of_a_backends_start_up(clock):
    progress, _ = _plain(total=4)
    clock[0] += 20.0  # connecting to Ray
    progress.start_clock()
    clock[0] += 10.0
    progress.step(0.5)
    assert progress.eta_seconds() == pytest.approx(3.5 / (0.5 / 10.0), rel=1e-9)
    progress.start_clock()  # once training has been counted, the clock keeps running
    clock[0] += 10.0
    assert progress.eta_seconds() == pytest.approx(3.5 / (0.5 / 20.0), rel=1e-9)


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
