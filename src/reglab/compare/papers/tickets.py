"""Lottery tickets over seeds: median test accuracy per pruning round, ticket vs control.

Frankle & Carbin (2019) prune 20 % of the remaining weights per round and rewind the
survivors to their initial values (the *winning ticket*); the control re-initialises
them at random. A run's `summary.lottery` holds one entry per round: the sparsity of the
network trained in it and its last epoch's test accuracy. Runs of one arm share a name
and differ by seed; every round's figure is the median over the seeds (min and max
beside it), and the rounds nearest 20 %, 10 % and 5 % of the weights remaining are
marked.

Reference:
    Frankle, J. & Carbin, M. (2019). The Lottery Ticket Hypothesis: Finding Sparse,
    Trainable Neural Networks. ICLR. arXiv:1803.03635.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any, Sequence

from matplotlib.figure import Figure

__all__ = ["TARGETS", "TicketPoint", "ticket_points", "nearest_rounds", "ticket_table", "plot_tickets"]

# Fractions of the weights remaining at which the paper's claims are checked.
TARGETS = (0.20, 0.10, 0.05)


@dataclass(frozen=True)
class TicketPoint:
    """One arm's round: `remaining` = 1 − sparsity of the network trained in it;
    `accuracies` = the last epoch's test accuracy of each seed."""

    arm: str
    round: int
    remaining: float
    accuracies: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.accuracies)


def ticket_points(runs: Sequence[Any]) -> dict[str, list[TicketPoint]]:
    """Per arm (run name, in order of appearance), one point per round, medians over the seeds.

    Rounds that not every seed reached (a stopped run) are left out.
    """
    arms: dict[str, list[list[dict]]] = {}
    for run in runs:
        rounds = run.summary.get("lottery") or []
        arms.setdefault(run.name, []).append([entry for entry in rounds if entry.get("final_test/acc") is not None])
    points: dict[str, list[TicketPoint]] = {}
    for arm, seeds in arms.items():
        count = min(len(rounds) for rounds in seeds)
        points[arm] = [
            TicketPoint(arm, int(seeds[0][index]["round"]), 1.0 - float(seeds[0][index]["sparsity"]),
                        tuple(float(rounds[index]["final_test/acc"]) for rounds in seeds))
            for index in range(count)
        ]
    return points


def nearest_rounds(points: Sequence[TicketPoint], targets: Sequence[float] = TARGETS) -> dict[float, TicketPoint]:
    """For each target fraction remaining, the round whose fraction is nearest (on a log scale)."""
    if not points:
        return {}
    return {target: min(points, key=lambda point: abs(math.log(point.remaining / target))) for target in targets}


def _cell(point: TicketPoint | None) -> str:
    if point is None:
        return "–"
    return f"{point.median:.3f} ({min(point.accuracies):.3f}–{max(point.accuracies):.3f})"


def ticket_table(points: dict[str, list[TicketPoint]], ticket: str, control: str) -> str:
    """The measured table: per round, weights remaining and each arm's median test accuracy
    (min–max over seeds), then the paper's two checks at the marked rounds."""
    tickets, controls = points.get(ticket, []), points.get(control, [])
    if not tickets:
        return "no lottery rounds were recorded"
    by_round = {point.round: point for point in controls}
    seeds = len(tickets[0].accuracies)
    marked = {point.round: target for target, point in nearest_rounds(tickets).items()}
    lines = [f"test accuracy, median over {seeds} seed{'s' if seeds != 1 else ''} (min–max)",
             f"ticket: {ticket}; control: {control}",
             f"{'round':>5}{'weights left':>13}{'ticket':>21}{'control':>21}{'difference':>11}"]
    for point in tickets:
        other = by_round.get(point.round)
        gap = f"{100 * (point.median - other.median):+.1f} pt" if other else "–"
        mark = f"  ← ~{100 * marked[point.round]:.0f} %" if point.round in marked else ""
        lines.append(f"{point.round:>5}{100 * point.remaining:>12.1f}%{_cell(point):>21}{_cell(other):>21}{gap:>11}{mark}")
    dense = tickets[0].median
    lines.append("")
    lines.append(f"dense network (round 0, 100 % of the weights): median test accuracy {dense:.3f}")
    for target, point in nearest_rounds(tickets).items():
        other = by_round.get(point.round)
        versus = f", {100 * (point.median - other.median):+.1f} pt vs control" if other else ""
        lines.append(f"~{100 * target:.0f}% (round {point.round}, {100 * point.remaining:.1f}% left): ticket "
                     f"{point.median:.3f}, {100 * (point.median - dense):+.1f} pt vs dense{versus}")
    lines.append("accuracy of a round: its last epoch's; weights left: of the pruned")
    lines.append("tensors (every Linear weight); difference: ticket − control")
    return "\n".join(lines)


def plot_tickets(points: dict[str, list[TicketPoint]]) -> Figure | None:
    """Median test accuracy vs percent of weights remaining (log axis, dense on the left, as
    the paper's figures), one line per arm, every seed as a faint dot, the rounds nearest
    20 %, 10 % and 5 % marked by dotted vertical lines."""
    from reglab.report.plots.style import finish_legend, new_figure, run_colors

    arms = [arm for arm, found in points.items() if found]
    if not arms:
        return None
    figure = new_figure(7.5, 4.4)
    axes = figure.add_subplot(1, 1, 1)
    for color, arm in zip(run_colors(len(arms)), arms):
        found = points[arm]
        remaining = [100 * point.remaining for point in found]
        axes.plot(remaining, [point.median for point in found], color=color, marker="o", linewidth=2.0,
                  label=f"{arm} (median)")
        for point in found:
            axes.scatter([100 * point.remaining] * len(point.accuracies), point.accuracies, color=color, s=8, alpha=0.35)
    for target, point in nearest_rounds(points[arms[0]]).items():
        axes.axvline(100 * point.remaining, color="#888", linestyle=":", linewidth=1.0)
        axes.annotate(f"{100 * point.remaining:.1f} %", (100 * point.remaining, 1.0), xycoords=("data", "axes fraction"),
                      textcoords="offset points", xytext=(2, -10), fontsize=8, color="#555")
    axes.axhline(points[arms[0]][0].median, color="#444", linestyle="--", linewidth=0.8, label="dense (round 0)")
    axes.set_xscale("log")
    ticks = [100, 50, 20, 10, 5, 2, 1]
    smallest = min(100 * point.remaining for found in points.values() for point in found)
    axes.set_xticks([tick for tick in ticks if tick >= smallest * 0.8], [f"{tick}" for tick in ticks if tick >= smallest * 0.8])
    axes.minorticks_off()
    axes.invert_xaxis()
    axes.set_xlabel("weights remaining (%)")
    axes.set_ylabel("test accuracy")
    axes.set_title("Winning tickets vs random re-initialisation")
    finish_legend(axes)
    return figure
