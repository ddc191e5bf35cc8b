"""Shared fixtures: every test gets its own store folder; no test touches the network."""

from __future__ import annotations

import os
import signal

import pytest
import torch


# Torch threads per test: 1 by default (small tensors are overhead-bound, and on shared
# cores the OpenMP regions of two threads cost tens of milliseconds each under
# contention). CI runs the suite a second time with REGLAB_TEST_THREADS=2 (`make test`),
# so no test may pass under one thread count only.
TEST_THREADS = int(os.environ.get("REGLAB_TEST_THREADS", "1"))


@pytest.fixture(autouse=True)
def _test_threads():
    """Every test runs with `TEST_THREADS` torch threads (`$REGLAB_TEST_THREADS`, default 1)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(TEST_THREADS)
    yield
    torch.set_num_threads(threads)


def pytest_report_header(config):
    return f"torch threads per test: {TEST_THREADS} (REGLAB_TEST_THREADS)"


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path, monkeypatch):
    """Point REGLAB_STORE at a fresh folder so no test writes to ./reglab-runs, and
    forget the caller's terminal size (pytest-xdist's workers inherit COLUMNS=80):
    tables fit the width a test sets itself, else the 200 columns of a pipe."""
    monkeypatch.setenv("REGLAB_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)
    yield


def pytest_collection_modifyitems(items):
    """Tests that share one `pytest -n` worker (`xdist_group`, such as the Ray cluster's)
    go first, so the other worker trains the rest meanwhile instead of waiting at the end."""
    items.sort(key=lambda item: item.get_closest_marker("xdist_group") is None)


@pytest.fixture
def store_dir(tmp_path):
    return tmp_path / "store"


def tiny_digits(**overrides):
    """A small, fast digits config (nested dict) for end-to-end tests."""
    config = {
        "seed": 0,
        "epochs": 2,
        "device": "cpu",
        "data": {"dataset": "digits", "train_size": 200, "batch_size": 32},
        "model": {"hidden": [16]},
        "optimizer": {"lr": 0.1, "momentum": 0.9},
    }
    for dotted, value in overrides.items():
        node = config
        parts = dotted.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return config


def sigint_as_in_a_terminal() -> None:
    """`preexec_fn` of a child process a test stops with SIGINT: the default action back.
    A shell that starts the tests in the background leaves SIGINT ignored in every child,
    and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
