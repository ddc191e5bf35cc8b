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

from reglab import augment, averaging, pruning, regularizers, stopping, trajectory
from reglab.config import Config, ConfigError, load_config
from reglab.engine import Callback, Run, Stop, resume, train
from reglab.population import train_population
from reglab.pruning import prune_magnitude
from reglab.regularizers import l1_penalty, l2_penalty
from reglab.stopping import GL, PQ, UP, Patience
from reglab.trajectory import TrajectoryRecorder, interpolate, loss_surface, pca_path

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
