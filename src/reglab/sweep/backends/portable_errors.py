"""Errors that cross from a worker (a process of the `processes` backend, a Ray task) to the driver.

A worker hands a config's error back pickled. `ConfigError(key, value, allowed)` does not
survive that: pickle rebuilds an exception from its `args` (the one message), and its
`__init__` wants three. In a `ProcessPoolExecutor` the pool's result thread then dies and
every config still queued fails with `BrokenProcessPool`; from a Ray task, the task's whole
result is lost and every member fails with it. `portable` gives the driver an error it can
read: the same object when it pickles, else one that pickles as its equal.
"""

from __future__ import annotations

import pickle

from reglab.config import ConfigError

__all__ = ["portable"]


class _PortableConfigError(ConfigError):
    """A ConfigError that unpickles as a plain ConfigError of the same key, value and allowed."""

    def __reduce__(self):
        return ConfigError, (self.key, self.value, self.allowed)


class _PortableError(RuntimeError):
    """Another error that does not pickle: unpickled as a RuntimeError with its type and message."""

    def __reduce__(self):
        return RuntimeError, self.args


def portable(error: BaseException) -> BaseException:
    """`error` when it survives pickling, else an error that does and says the same.

    Example:
        >>> pickle.loads(pickle.dumps(portable(ConfigError("data.root", "/gone", "a folder"))))
        ConfigError("data.root: got '/gone'; allowed: a folder")
    """
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        pass
    if isinstance(error, ConfigError):
        try:
            pickle.dumps((error.key, error.value, error.allowed))
            return _PortableConfigError(error.key, error.value, error.allowed)
        except Exception:  # a value that does not pickle: its text does
            return _PortableConfigError(error.key, str(error.value), error.allowed)
    return _PortableError(f"{type(error).__name__}: {error}")
