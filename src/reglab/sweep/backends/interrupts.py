"""Holding a Ctrl-C while a backend starts or stops processes it must not leave half-done.

Cut short while it started Ray or a worker process, a sweep left processes behind (Ray's
agents) or a worker reading a pool that was gone (its traceback under the sweep's one line).
`ctrl_c_held` lets such a step end, then raises the KeyboardInterrupt.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["ctrl_c_held"]


@contextmanager
def ctrl_c_held() -> Iterator[None]:
    """A Ctrl-C that arrives inside is raised as KeyboardInterrupt once the block has ended.

    Only where Python raises KeyboardInterrupt for SIGINT (its default handler, on the main
    thread); a SIGINT ignored or handled otherwise is left as it is.

    Example:
        >>> with ctrl_c_held():
        ...     ray.init()          # a Ctrl-C meanwhile is raised here, once Ray has started
    """
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    received: list[int] = []
    signal.signal(signal.SIGINT, lambda number, frame: received.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if received:
        raise KeyboardInterrupt
