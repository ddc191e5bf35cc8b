"""Fixtures of the sweep tests."""

from __future__ import annotations

import signal

import pytest


@pytest.fixture
def python_sigint():
    """SIGINT raises KeyboardInterrupt, as in a terminal (a background shell ignores it)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)
