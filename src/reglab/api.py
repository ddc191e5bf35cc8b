"""reglab's public API in plain imports; `reglab.<name>` resolves here on first use."""

from reglab import augment, averaging, pruning, regularizers, stopping, trajectory
from reglab.config import Config, ConfigError, load_config
from reglab.engine import Callback, Run, Stop, resume, train
from reglab.population import train_population
from reglab.pruning import prune_magnitude
from reglab.regularizers import l1_penalty, l2_penalty
from reglab.stopping import GL, PQ, UP, Patience
from reglab.trajectory import TrajectoryRecorder, interpolate, loss_surface, pca_path

import reglab

__all__ = [name for name in reglab.__all__ if name != "__version__"]  # the one list, in reglab/__init__.py
