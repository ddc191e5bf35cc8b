"""Lottery tickets over seeds: median test accuracy per pruning round, ticket vs same-mask control.

Frankle & Carbin (2019) prune about 20 % of the remaining weights per round and rewind the
survivors to their initial values (the *winning ticket*). Their control keeps the ticket's
mask M_r of round r and draws the weights afresh. Here:

    ticket arm:   lottery runs (`pruning.method: lottery`); `summary.lottery` holds one
                  entry per round: the sparsity of the network trained in it and its last
                  epoch's test accuracy.
    control arm:  one run per seed and round r (`pruning.method: fixed_mask`,
                  `pruning.mask_round: r`, the ticket's `lottery_masks.safetensors`), built
                  by `control_configs` once the tickets have trained; its last epoch's test
                  accuracy and its sparsity (that of M_r).

Every round's figure is the median over the seeds (min and max beside it); the rounds
nearest 20 %, 10 % and 5 % of the weights remaining (exactly those with the preset's
`pruning.remaining`) are marked, and the paper's two claims are checked there: the
ticket within 1 point of the dense network at 20 %, and above the control at 5 %.
Runs of the old `pruning.control: reinit` arm (masks of its own) still read as a
lottery arm of their own.

Reference:
    Frankle, J. & Carbin, M. (2019). The Lottery Ticket Hypothesis: Finding Sparse,
    Trainable Neural Networks. ICLR. arXiv:1803.03635.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from matplotlib.figure import Figure

__all__ = [
    "CONTROL_ARM",
    "TARGETS",
    "TicketPoint",
    "control_configs",
    "control_name",
    "ticket_points",
    "nearest_rounds",
    "ticket_table",
    "plot_tickets",
]

# Fractions of the weights remaining at which the paper's claims are checked.
TARGETS = (0.20, 0.10, 0.05)
# The control arm's name in `ticket_points` (its runs are named per round, `control_name`).
CONTROL_ARM = "random re-init, same masks (control)"
# Claim 1: a ticket at 20 % is within this many points of the dense network's test accuracy.
MATCH_POINTS = 1.0


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


def control_name(round_index: int, remaining: float) -> str:
    """The name of the control runs of round r (one comparison-table row per round)."""
    return f"re-init, round {round_index} mask ({100 * remaining:.3g} %)"


def control_configs(runs: Sequence[Any], store: Any) -> list[Any]:
    """The same-mask controls of the finished ticket runs: for every ticket (a lottery run that
    rewinds, and kept its masks) and every round r it pruned, its config with `pruning.method:
    fixed_mask`, its masks file and `mask_round: r` (same seed: same data; fresh weights),
    named `control_name`; ordered by round, then by run.
    """
    from reglab.config import validate_config
    from reglab.pruning.mask_file import MASKS_FILE

    configs: list[tuple[int, int, Any]] = []
    for order, run in enumerate(runs):
        settings = run.config.pruning
        folder = Path(store.run_dir(run.id)).resolve()
        if settings.method != "lottery" or settings.control != "rewind" or not (folder / MASKS_FILE).is_file():
            continue
        for entry in run.summary.get("lottery") or []:
            round_index = int(entry["round"])
            if round_index == 0:
                continue
            tree = run.config.to_dict()
            tree["name"] = control_name(round_index, 1.0 - float(entry["sparsity"]))
            tree["pruning"] = {"method": "fixed_mask", "mask_file": str(folder), "mask_round": round_index,
                               "scope": settings.scope, "include_biases": settings.include_biases}
            configs.append((round_index, order, validate_config(tree)))
    return [config for _, _, config in sorted(configs, key=lambda item: item[:2])]


def _last_test_accuracy(run: Any) -> float | None:
    value = run.history[-1].get("test/acc") if run.history else None
    return None if value is None else float(value)


def _control_points(runs: Sequence[Any]) -> list[TicketPoint]:
    by_round: dict[int, list[tuple[float, float]]] = {}
    for run in runs:
        accuracy = _last_test_accuracy(run)
        if accuracy is not None:
            remaining = 1.0 - float(run.summary.get("sparsity", 0.0))
            by_round.setdefault(int(run.config.pruning.mask_round), []).append((remaining, accuracy))
    return [
        TicketPoint(CONTROL_ARM, round_index, statistics.median(item[0] for item in found), tuple(item[1] for item in found))
        for round_index, found in sorted(by_round.items())
    ]


def ticket_points(runs: Sequence[Any]) -> dict[str, list[TicketPoint]]:
    """Per arm, one point per round, medians over the seeds: each lottery arm (run name, in order
    of appearance; rounds that not every seed reached are left out), then the same-mask
    control (`CONTROL_ARM`, every fixed-mask run keyed by its `pruning.mask_round`).
    """
    arms: dict[str, list[list[dict]]] = {}
    controls = []
    for run in runs:
        config = getattr(run, "config", None)
        if config is not None and config.pruning.method == "fixed_mask":
            controls.append(run)
            continue
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
    if controls:
        points[CONTROL_ARM] = _control_points(controls)
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


def _percent(fraction: float) -> str:
    """20 % as "20", 5.5 % as "5.5", 0.794 as "79.4": three significant digits at most."""
    return f"{100 * fraction:.3g}"


def _claims(dense: float, marked: dict[float, TicketPoint], by_round: dict[int, TicketPoint]) -> list[str]:
    """The paper's two claims, as measured: holds / does not hold, with the numbers."""
    lines = []
    first = marked.get(0.20)
    if first is not None:
        gap = round(100 * (first.median - dense), 1)  # the verdict of the number shown
        verdict = "holds" if abs(gap) <= MATCH_POINTS else "does not hold"
        lines.append(f"claim 1, ticket within {MATCH_POINTS:g} pt of dense at {_percent(first.remaining)} %: "
                     f"{verdict} ({gap:+.1f} pt)")
    last = marked.get(0.05)
    other = by_round.get(last.round) if last is not None else None
    if last is not None and other is not None:
        gap = round(100 * (last.median - other.median), 1)
        verdict = "holds" if gap > 0 else "does not hold"
        lines.append(f"claim 2, ticket above control at {_percent(last.remaining)} %: {verdict} ({gap:+.1f} pt)")
    return lines


def ticket_table(points: dict[str, list[TicketPoint]], ticket: str, control: str) -> str:
    """The measured table: per round, weights remaining and each arm's median test accuracy
    (min–max over seeds), then the paper's two checks at the marked rounds."""
    tickets, controls = points.get(ticket, []), points.get(control, [])
    if not tickets:
        return "no lottery rounds were recorded"
    by_round = {point.round: point for point in controls}
    seeds = len(tickets[0].accuracies)
    marked = nearest_rounds(tickets)
    marks: dict[int, list[str]] = {}
    for target, point in marked.items():  # a coarse schedule may mark one round for several targets
        marks.setdefault(point.round, []).append(_percent(target))
    lines = [f"test accuracy, median over {seeds} seed{'s' if seeds != 1 else ''} (min–max)",
             f"ticket: {ticket}; control: {control}",
             f"{'round':>5}{'weights left':>13}{'ticket':>21}{'control':>21}{'difference':>11}"]
    for point in tickets:
        other = by_round.get(point.round)
        gap = f"{100 * (point.median - other.median):+.1f} pt" if other else "–"
        mark = f"  ← {'/'.join(marks[point.round])} %" if point.round in marks else ""
        lines.append(f"{point.round:>5}{100 * point.remaining:>12.1f}%{_cell(point):>21}{_cell(other):>21}{gap:>11}{mark}")
    dense = tickets[0].median
    lines.append("")
    lines.append(f"dense network (round 0, 100 % of the weights): median test accuracy {dense:.3f}")
    for target, point in marked.items():
        other = by_round.get(point.round)
        versus = f", {100 * (point.median - other.median):+.1f} pt vs control" if other else ""
        lines.append(f"{_percent(target)} % (round {point.round}, {100 * point.remaining:.1f}% left): ticket "
                     f"{point.median:.3f}, {100 * (point.median - dense):+.1f} pt vs dense{versus}")
    lines.extend(_claims(dense, marked, by_round))
    lines.append("accuracy of a round: its last epoch's; weights left: of the pruned")
    lines.append("tensors (every Linear weight); difference: ticket − control;")
    lines.append("control of round r: the ticket's mask of round r, fresh weights")
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
    axes.set_xlim(115, smallest / 1.35)  # dense on the left; room for the smallest round's label
    axes.set_xlabel("weights remaining (%)")
    axes.set_ylabel("test accuracy")
    axes.set_title("Winning tickets vs random re-initialisation of the same masks")
    finish_legend(axes)
    return figure
