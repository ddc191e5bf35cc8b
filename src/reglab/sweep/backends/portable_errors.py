"""Errors that cross from a worker (a process of the `processes` backend, a Ray task) to the driver.

A worker hands a config's error back pickled. An error that does not survive pickling
(an `__init__` that wants other arguments than its `args`, a value that does not pickle)
would break the hand-over: in a `ProcessPoolExecutor` the pool's result thread dies and
every config still queued fails with `BrokenProcessPool`; from a Ray task, the task's
whole result is lost and every member fails with it. `portable` gives the driver an error
it can read: the same object when it pickles (a `ConfigError` does: it pickles as its key,
value and allowed), else one that pickles and says the same.
"""

from __future__ import annotations

import pickle

from reglab.config import ConfigError

__all__ = ["portable"]


class _PortableError(RuntimeError):
    """An error that does not pickle: unpickled as a RuntimeError with its type and message."""

    def __reduce__(self):
        return RuntimeError, self.args


def portable(error: BaseException) -> BaseException:
    """`error` when it survives pickling, else an error that does and says the same.

    Example:
        >>> portable(ConfigError("data.root", "/gone", "a folder")).key
        'data.root'
    """
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        pass
    if isinstance(error, ConfigError):  # a value that does not pickle: its text does
        return ConfigError(error.key, str(error.value), error.allowed)
    return _PortableError(f"{type(error).__name__}: {error}")
