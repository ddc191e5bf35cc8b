"""reglab: a regularization laboratory for PyTorch.

Example:
    >>> import reglab
    >>> config = reglab.load_config(overrides=["data.dataset=digits", "epochs=5"])
    >>> run = reglab.train(config)
    >>> run.history[-1]["test/acc"]
"""

__version__ = "0.1.0"

from reglab.config import Config, ConfigError, load_config
from reglab.engine import Callback, Run, Stop, train

__all__ = ["Callback", "Config", "ConfigError", "Run", "Stop", "__version__", "load_config", "train"]
