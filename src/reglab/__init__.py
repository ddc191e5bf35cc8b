"""reglab: a regularization laboratory for PyTorch.

Example:
    >>> import reglab
    >>> config = reglab.load_config(overrides=["data.dataset=digits", "epochs=5"])
    >>> run = reglab.train(config)
    >>> run.history[-1]["test/acc"], run.history[-1]["param/l2/total"]

Subpackages: `reglab.regularizers` (penalties, proximal L1, max-norm, clipping),
`reglab.stopping` (Patience, GL, PQ, UP), `reglab.pruning` (prune_magnitude, lottery
tickets), `reglab.augment`, `reglab.averaging` (EMA, SWA), `reglab.trajectory`
(recorder, PCA path, interpolation, loss surface), `reglab.compare` and `reglab.report`
(comparisons, figures, HTML reports), `reglab.population` and `reglab.sweep`.
"""

__version__ = "0.1.0"

from typing import Any

__all__ = [
    "Callback",
    "Config",
    "ConfigError",
    "GL",
    "PQ",
    "Patience",
    "Run",
    "Stop",
    "TrajectoryRecorder",
    "UP",
    "__version__",
    "augment",
    "averaging",
    "interpolate",
    "l1_penalty",
    "l2_penalty",
    "load_config",
    "loss_surface",
    "pca_path",
    "prune_magnitude",
    "pruning",
    "regularizers",
    "resume",
    "stopping",
    "trajectory",
    "train",
    "train_population",
]


def __getattr__(name: str) -> Any:
    """The public API, imported on first use (PEP 562): `import reglab` and the `reglab`
    command start without torch; `reglab.api` holds the plain imports."""
    if name not in __all__:
        raise AttributeError(f"module 'reglab' has no attribute {name!r}")
    from reglab import api

    value = getattr(api, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
