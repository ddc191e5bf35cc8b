"""`reuse_freed_memory`: large tensors come from glibc's heap instead of fresh mmap pages."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import subprocess
import sys

import pytest

PROBE = r"""
import ctypes, ctypes.util, sys
import torch
from reglab.engine.memory import reuse_freed_memory

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.mallinfo2.restype = MallInfo2
applied = reuse_freed_memory()
before = libc.mallinfo2().hblks
block = torch.empty(16 * 2**20)  # 64 MiB
print(applied, libc.mallinfo2().hblks - before)
"""


def _glibc_with_mallinfo2() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        return hasattr(ctypes.CDLL(ctypes.util.find_library("c")), "mallinfo2")
    except OSError:
        return False


def _probe(**env: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), **env},
    )
    return result.stdout.split()


@pytest.mark.skipif(not _glibc_with_mallinfo2(), reason="glibc ≥ 2.33 only (mallinfo2)")
def test_a_large_tensor_comes_from_the_heap_once_applied():
    assert _probe() == ["True", "0"]  # no new mmapped block for 64 MiB
    assert _probe(REGLAB_MALLOC="system") == ["False", "1"]  # glibc's default: one fresh mapping
