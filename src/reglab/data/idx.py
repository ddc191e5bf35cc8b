"""The IDX file format of MNIST, Fashion-MNIST and KMNIST, read straight into a tensor.

    bytes 0-1   zero
    byte  2     element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
    byte  3     number of dimensions d
    4·d bytes   the sizes, big-endian int32
    the rest    the elements, big-endian, row-major

reglab reads these files itself rather than through `torchvision.datasets`: importing
torchvision costs about as much as importing torch, which a run on MNIST would pay
before its first step. torchvision is still what downloads the files
(`reglab.data.mnist_family`).

Reference: Y. LeCun, C. Cortes, C. J. C. Burges, "The MNIST database of handwritten
digits", the file format section of yann.lecun.com/exdb/mnist/.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

__all__ = ["IdxError", "read_idx"]

_ELEMENT_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class IdxError(ValueError):
    """A file that is not a whole IDX file (says what is wrong with it)."""


def read_idx(path: str | Path) -> torch.Tensor:
    """The array an IDX file holds, as a tensor of its element type (native byte order).

    Raises:
        IdxError: a header that is not IDX, an unknown element type, or a file whose
            length is not what its header says.

    Example:
        >>> import tempfile, struct
        >>> path = Path(tempfile.mkdtemp()) / "labels-idx1-ubyte"
        >>> _ = path.write_bytes(struct.pack(">HBBI", 0, 0x08, 1, 3) + bytes([7, 0, 2]))
        >>> read_idx(path)
        tensor([7, 0, 2], dtype=torch.uint8)
    """
    contents = Path(path).read_bytes()
    if len(contents) < 4 or contents[0] != 0 or contents[1] != 0:
        raise IdxError(f"{Path(path).name} does not start with an IDX header")
    element, dimensions = contents[2], contents[3]
    if element not in _ELEMENT_TYPES:
        raise IdxError(f"{Path(path).name} has element type 0x{element:02X}, not one of IDX's")
    header = 4 + 4 * dimensions
    if len(contents) < header:
        raise IdxError(f"{Path(path).name} ends inside its header")
    shape = tuple(int(size) for size in np.frombuffer(contents, ">i4", dimensions, offset=4))
    dtype = np.dtype(_ELEMENT_TYPES[element])
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(contents) != expected:
        raise IdxError(f"{Path(path).name} holds {len(contents)} bytes; its header {shape} says {expected}")
    values = np.frombuffer(contents, dtype, offset=header).reshape(shape)
    return torch.from_numpy(values.astype(dtype.newbyteorder("="), copy=True))
