"""One torch thread per test: the 2 cores are shared, and tiny tensors' OpenMP regions
under contention cost ~40× more with 2 threads than with 1 (measured on the presets)."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
