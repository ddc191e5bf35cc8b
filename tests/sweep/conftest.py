"""One torch thread per test: the dev machines' 2 cores are shared, and OpenMP regions of tiny
tensors under contention cost ~40 ms each instead of microseconds (measured)."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
