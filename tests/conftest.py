"""Shared fixtures: every test gets its own store folder; no test touches the network."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """One torch thread per test: small tensors are overhead-bound, and on shared cores the
    OpenMP regions of two threads cost tens of milliseconds each under contention."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path, monkeypatch):
    """Point REGLAB_STORE at a fresh folder so no test writes to ./reglab-runs."""
    monkeypatch.setenv("REGLAB_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    yield


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
