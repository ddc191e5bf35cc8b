"""The Optuna study of a sweep: its sampler, its pruner, and where it lives.

The study is kept in Optuna's JournalStorage with its file backend: an append-only
log that several processes share through file locks, without a database server (Optuna
offers it for distributed studies on a shared file system, NFS included, where SQLite's
locking is unreliable). It lies beside the run store: `<store>/studies/<sweep>.journal`, study name = sweep name. Rerunning
the sweep loads the same study and continues it.

Samplers: tpe (`TPESampler`, constant liar on, so trials asked together while others
run differ), cmaes (`CmaEsSampler`; categorical keys fall back to independent random
draws), random (`RandomSampler`). The sampler's seed is the sweep's `seed` plus the
number of trials already in the study, so a resumed study does not replay its first
random draws.

Pruners: median (`reglab.search.median.BatchMedianPruner`: Optuna's median rule — after
each epoch from the second on, stop a trial whose best value so far is worse than the median
of the completed trials' values at that epoch — where, until 10 trials completed, the
trial's batch-mates at the same epoch count too, so the first batch is pruned among
itself) and hyperband (`HyperbandPruner` from 1 epoch to the config's epochs, reduction
factor 3).

Why the median pruner is set so, measured on MNIST-1D (benchmarks/optuna_vs_random.py,
docs/scale.md): with Optuna's MedianPruner (completed trials only) the first batch could
not be pruned, and had to be its 10 startup trials; fewer startup trials (5 to 8) pruned
on too few, random, references and cost the pruned study's best up to 2 points. Comparing
the first batch's members with each other lets it be a full batch and still be pruned.
Stopping trials after their first epoch cost the best 0.5 to 2.5 points: a first epoch's
val accuracy tells how fast a config starts more than where it ends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reglab.config import ConfigError

__all__ = ["require_optuna", "study_path", "open_study", "make_pruner", "make_sampler", "MEDIAN_STARTUP_TRIALS", "MEDIAN_FIRST_EPOCH"]

EXTRA_HINT = 'pip install "reglab[optuna]"'


def require_optuna() -> Any:
    """The `optuna` module, or a one-line ConfigError naming the extra."""
    try:
        import optuna
    except ImportError:
        raise ConfigError("method", "tpe | cmaes | random with an objective", f"grid | random, or install the Optuna extra: {EXTRA_HINT}") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def study_path(store_directory: Path, sweep: str) -> Path:
    """Where the study of `sweep` is kept: beside the run store's database."""
    return Path(store_directory) / "studies" / f"{sweep}.journal"


def _journal_storage(optuna: Any, path: Path) -> Any:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        from optuna.storages.journal import JournalFileBackend
    except ImportError:  # Optuna < 4
        from optuna.storages import JournalFileStorage as JournalFileBackend
    return optuna.storages.JournalStorage(JournalFileBackend(str(path)))


def make_sampler(optuna: Any, method: str, seed: int) -> Any:
    if method == "tpe":
        return optuna.samplers.TPESampler(seed=seed, constant_liar=True)
    if method == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    return optuna.samplers.RandomSampler(seed=seed)


MEDIAN_STARTUP_TRIALS = 10  # batch-mates are compared with too until 10 trials completed (see the module docstring)
MEDIAN_FIRST_EPOCH = 2  # the earliest epoch after which the median pruner stops a trial (see the module docstring)


def make_pruner(optuna: Any, pruner: str, epochs: int) -> Any:
    if pruner == "median":
        from reglab.search.median import BatchMedianPruner

        return BatchMedianPruner(n_startup_trials=MEDIAN_STARTUP_TRIALS, n_warmup_steps=MEDIAN_FIRST_EPOCH)
    if pruner == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max(epochs, 1), reduction_factor=3)
    return optuna.pruners.NopPruner()


def open_study(store_directory: Path, sweep: str, method: str, pruner: str, direction: str, seed: int, epochs: int) -> Any:
    """Load the sweep's study, or create it; the sampler and pruner follow the sweep file."""
    optuna = require_optuna()
    storage = _journal_storage(optuna, study_path(store_directory, sweep))
    existing = 0
    try:
        existing = len(optuna.load_study(study_name=sweep, storage=storage).trials)
    except KeyError:
        pass
    return optuna.create_study(
        study_name=sweep,
        storage=storage,
        load_if_exists=True,
        direction=direction,
        sampler=make_sampler(optuna, method, seed + existing),
        pruner=make_pruner(optuna, pruner, epochs),
    )
