"""A sweep preset from start to report: train the grid as populations, rank its measures.

    result = run_sweep_preset(FANTASTIC_MEASURES, RunStore("reglab-runs"))
    result.ranking.report    # the ranking page (HTML)
    result.ranking.table     # the ranking as text
    result.fitted            # the same over the runs that fit their training set

The grid trains with the population backend of `reglab.sweep.run_sweep` (configs of one
architecture shape together; a store that already holds some of the sweep's runs is
resumed, not retrained), then `reglab.ranking` ranks every `measure/*` metric by
Kendall's τ and Jiang et al.'s granulated τ with the generalization gap, exactly as
`reglab analyze --sweep NAME` does, with `model.hidden` split into width and depth and
only the network-level measures ranked (`measure/<name>`; per-layer values such as
`measure/alpha/<layer>` exist only for the layers a depth has, as Jiang et al. rank
whole networks). A preset with a `fit_target` is ranked a second time over the runs
whose training accuracy reached it (`reglab.ranking.fitted`), Jiang et al.'s setting.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from rich.console import Console

from reglab.compare.presets.sweep_preset import SweepPreset, sweep_spec
from reglab.ranking import MeasureRank, SweepRuns, collect_sweep, rank_measures, ranking_table, write_ranking_page
from reglab.ranking.architecture import split_hidden
from reglab.ranking.collect import MEASURE_PREFIX
from reglab.ranking.fitted import fitted_runs
from reglab.store import RunStore
from reglab.sweep.runner import SweepResult, run_sweep

__all__ = ["Ranking", "SweepPresetResult", "network_level", "run_sweep_preset"]


@dataclass
class Ranking:
    """One ranking of a sweep's measures.

    Attributes:
        runs: the runs ranked (gaps, measures, hyperparameters).
        ranks: the measures, best-ranked first.
        table: the ranking as text.
        report: the HTML ranking page.
    """

    runs: SweepRuns
    ranks: list[MeasureRank]
    table: str
    report: Path


@dataclass
class SweepPresetResult:
    """What `run_sweep_preset` did.

    Attributes:
        sweep: the sweep's training summary (configs, statuses, failures).
        ranking: every finished run ranked.
        fitted: only the runs that reached the preset's `fit_target` (None without one,
            or when fewer than 2 runs reached it).
        seconds: wall time of training and ranking.
    """

    sweep: SweepResult
    ranking: Ranking
    fitted: Ranking | None
    seconds: float


def network_level(runs: SweepRuns) -> SweepRuns:
    """`runs` with only the measures of the whole network (`measure/<name>`, no `/` in the name)."""
    kept = {name: values for name, values in runs.measures.items() if "/" not in name[len(MEASURE_PREFIX):]}
    return replace(runs, measures=kept)


def run_sweep_preset(
    preset: SweepPreset,
    store: RunStore | str | Path,
    sets: Sequence[str | tuple] = (),
    varies: Sequence[str] = (),
    out: str | Path | None = None,
    console: Console | None = None,
    quiet: bool = False,
    width: int = 80,
    gap: str = "acc",
) -> SweepPresetResult:
    """Train `preset`'s grid (with `--set`/`--vary` applied; `sweep_spec`) and rank its measures.

    Args:
        preset: the sweep preset.
        store: a RunStore or its folder.
        sets, varies: `KEY=VALUE` and `KEY=V1,V2` strings shaping the grid.
        out: the HTML file (default `<store>/reports/ranking-<sweep>-<time>.html`).
        console, quiet: sweep progress (as `reglab sweep`).
        width: columns of the text table.
        gap: acc (train − test accuracy) | loss (test − train loss).

    Raises:
        ConfigError: bad input, before anything is trained.
    """
    from reglab.report.html import default_report_path

    spec = sweep_spec(preset, sets, varies)
    started = time.perf_counter()
    trained = run_sweep(spec, backend="population", store=store, console=console, quiet=quiet)
    run_store = RunStore.of(store)
    runs = network_level(split_hidden(collect_sweep(run_store, spec.name, gap)))  # type: ignore[arg-type]
    path = Path(out) if out is not None else default_report_path(run_store, f"ranking-{spec.name}")
    ranking = _rank(runs, width, path)
    fitted = None
    if preset.fit_target is not None:
        subset = fitted_runs(runs, run_store, preset.fit_target)
        if len(subset.run_ids) >= 2:
            fitted = _rank(subset, width, path.with_name(f"{path.stem}-fitted{path.suffix}"))
    return SweepPresetResult(trained, ranking, fitted, time.perf_counter() - started)


def _rank(runs: SweepRuns, width: int, path: Path) -> Ranking:
    ranks = rank_measures(runs)
    return Ranking(runs, ranks, ranking_table(runs, ranks, width), write_ranking_page(runs, ranks, path))
