"""The optional libraries of tracking, each failing in one line that names its extra."""

from __future__ import annotations

from typing import Any

from reglab.config import ConfigError

__all__ = ["require_mlflow", "require_tensorboard"]


def require_mlflow(key: str = "--format") -> Any:
    """The `mlflow` module, or a ConfigError naming `pip install "reglab[mlflow]"`."""
    try:
        import mlflow
    except ImportError:
        raise ConfigError(key, "mlflow", 'the MLflow extra: pip install "reglab[mlflow]"') from None
    import logging

    logging.getLogger("mlflow").setLevel(logging.WARNING)  # no database-migration chatter on the console
    return mlflow


def require_tensorboard(key: str = "--format") -> Any:
    """torch's `SummaryWriter` (it needs the tensorboard package), or a ConfigError naming the extra."""
    try:
        import tensorboard  # noqa: F401
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise ConfigError(key, "tensorboard", 'the TensorBoard extra: pip install "reglab[tensorboard]"') from None
    return SummaryWriter
