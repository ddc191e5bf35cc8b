"""A comparison from start to report: plan the configs, validate them all, train each,
write one HTML report.

    plan = plan_comparison(preset="seed000-lab", sets=["epochs=5"])
    result = run_comparison(plan, RunStore("reglab-runs"))
    result.report   # Path of the HTML file
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from reglab.compare.presets import ComparePreset, get_preset
from reglab.compare.vary import cross_variants, parse_vary, vary_variants
from reglab.compare.variants import Variant
from reglab.config import Config, ConfigError, load_config, parse_override, validate_config
from reglab.compare.training import train_runs
from reglab.engine.run import Run
from reglab.store import RunStore

__all__ = ["ComparisonPlan", "ComparisonResult", "plan_comparison", "run_comparison", "ANALYSIS_GRID"]

# Points per axis of the loss surface drawn for `--analyze` (odd: the final weights lie on it).
ANALYSIS_GRID = 15


@dataclass(frozen=True)
class ComparisonPlan:
    """Validated configs (one per run, `name` = the variant's label) and the report's title.

    Attributes:
        title: the report title.
        configs: one validated config per run, in order.
        preset: the preset it came from, if any (adds its notes to the report).
    """

    title: str
    configs: tuple[Config, ...]
    preset: ComparePreset | None = None


@dataclass
class ComparisonResult:
    runs: list[Run]
    report: Path
    notes: list = field(default_factory=list)


def _file_variants(files: Sequence[str | Path]) -> list[tuple[str, Path]]:
    return [(Path(path).stem, Path(path)) for path in files]


def _set_pairs(sets: Sequence[str | tuple]) -> list[tuple]:
    return [parse_override(item) if isinstance(item, str) else tuple(item) for item in sets]


def _check_same_seed(configs: Sequence[Config], varied: set[str]) -> None:
    """Compared runs share one seed (same split, same initial draw) unless seed is varied."""
    seeds = sorted({config.seed for config in configs})
    if len(seeds) > 1 and "seed" not in varied:
        raise ConfigError("seed", seeds, "one seed for every compared run (set it for all with --set seed=N, "
                          "or compare seeds on purpose with --vary seed=...)")


def plan_comparison(
    files: Sequence[str | Path] = (),
    preset: str | None = None,
    varies: Sequence[str] = (),
    sets: Sequence[str | tuple] = (),
    title: str | None = None,
    seeds: int | None = None,
) -> ComparisonPlan:
    """Build and validate every config of a comparison; nothing is trained or written.

    Sources combine: the runs are (config files or the preset's variants, or the
    defaults) × the `--vary` grid. `sets` (`--set KEY=VALUE`) apply last to every run.

    Args:
        files: YAML configs, one run each (label: the file name without extension).
        preset: a name of `reglab.compare.PRESETS`.
        varies: `KEY=V1,V2,...` strings; several are crossed.
        sets: `KEY=VALUE` strings or (key, value) pairs applied to every run.
        title: the report's title (default: the preset's, or one made from the sources).
        seeds: train every config with this many seeds (its own seed, +1, …); the runs of
            one config keep its name, so tables and reports group them (mean ± std).
            None: the preset's `seeds` (1 without a preset).

    Raises:
        ConfigError: bad input, before anything runs.
    """
    if files and preset:
        raise ConfigError("--preset", preset, "either config files or a preset, not both")
    if not files and not preset and not varies:
        raise ConfigError("compare", "nothing to compare", "config files, --vary KEY=V1,V2 or --preset NAME")
    grid = vary_variants(varies) if varies else []
    overrides = _set_pairs(sets)
    chosen = get_preset(preset) if preset else None
    configs: list[Config] = []
    if files:
        for label, path in _file_variants(files):
            for variant in grid or [Variant("")]:
                name = f"{label} | {variant.label}" if variant.label else label
                configs.append(load_config(path, [*variant.overrides, *overrides, ("name", name)]))
    else:
        base = dict(chosen.base) if chosen else {}
        for variant in cross_variants(list(chosen.variants) if chosen else [], grid):
            configs.append(load_config(base=base, overrides=[*variant.overrides, *overrides, ("name", variant.label)]))
    _check_same_seed(configs, {parse_vary(text)[0] for text in varies})
    if seeds is None:
        seeds = chosen.seeds if chosen else 1
    if seeds < 1:
        raise ConfigError("--seeds", seeds, "a whole number ≥ 1")
    if seeds > 1:
        configs = [validate_config({**config.to_dict(), "seed": config.seed + offset})
                   for config in configs for offset in range(seeds)]
    if title is None:
        title = chosen.title if chosen else "reglab compare: " + (
            ", ".join(Path(path).stem for path in files) if files else "; ".join(varies)
        )
    return ComparisonPlan(title, tuple(configs), chosen)


def run_comparison(
    plan: ComparisonPlan,
    store: RunStore | str | Path,
    out: str | Path | None = None,
    on_run: Callable[[Run], None] | None = None,
    figures_dir: str | Path | None = None,
    verbose: bool = False,
    analyze: bool = False,
    backend: str | None = None,
) -> ComparisonResult:
    """Train every config of the plan (each stored as it finishes), then write the report.

    Args:
        plan: from `plan_comparison`.
        store: where runs, and by default the report (`reports/`), are written.
        out: the report file (default `<store>/reports/<title>-<time>.html`).
        on_run: called after each run (progress lines).
        figures_dir: also save every figure as PNG + SVG there.
        analyze: run `reglab.trajectory.analyze_run` on every run (interpolation and loss
            surface; the PCA path too when the run kept ≥ 3 snapshots), so the report
            holds those figures.
        backend: sequential (one run after another) | population (compatible runs train
            as populations; see `reglab.compare.training`); None: the preset's backend
            (sequential without a preset).
    """
    from reglab.compare.notes import preset_notes
    from reglab.report import write_report

    store = RunStore.of(store)  # a folder is accepted wherever a store is

    def finished(run: Run) -> None:
        if analyze:
            from reglab.engine.analysis import analyze_run

            analyze_run(run.id, store, grid=ANALYSIS_GRID)
        if on_run is not None:
            on_run(run)

    if backend is None:
        backend = plan.preset.backend if plan.preset else "sequential"
    runs = train_runs(plan.configs, store, backend, on_run=finished, verbose=verbose)
    more = plan.preset.follow_up(runs, store) if plan.preset and plan.preset.follow_up else []
    runs += train_runs(more, store, backend, on_run=finished, verbose=verbose) if more else []
    notes = preset_notes(plan.preset, runs) if plan.preset else []
    report = write_report(store, [run.id for run in runs], out, plan.title, notes, figures_dir)
    return ComparisonResult(runs, report, notes)
