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

import importlib
from typing import Any

# Public names -> the module that defines them. They are imported on first use
# (PEP 562), so `import reglab` and the `reglab` command start without torch.
_LAZY = {
    "augment": "reglab.augment",
    "averaging": "reglab.averaging",
    "pruning": "reglab.pruning",
    "regularizers": "reglab.regularizers",
    "stopping": "reglab.stopping",
    "trajectory": "reglab.trajectory",
    "Config": "reglab.config",
    "ConfigError": "reglab.config",
    "load_config": "reglab.config",
    "Callback": "reglab.engine",
    "Run": "reglab.engine",
    "Stop": "reglab.engine",
    "train": "reglab.engine",
    "train_population": "reglab.population",
    "prune_magnitude": "reglab.pruning",
    "l1_penalty": "reglab.regularizers",
    "l2_penalty": "reglab.regularizers",
    "GL": "reglab.stopping",
    "PQ": "reglab.stopping",
    "UP": "reglab.stopping",
    "Patience": "reglab.stopping",
    "TrajectoryRecorder": "reglab.trajectory",
    "interpolate": "reglab.trajectory",
    "loss_surface": "reglab.trajectory",
    "pca_path": "reglab.trajectory",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'reglab' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if module_name == f"reglab.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
    "stopping",
    "trajectory",
    "train",
    "train_population",
]
