"""PyTorch's fused optimizer kernels for members with their own settings: one call per group.

`torch._fused_adam_` and `torch._fused_sgd_` (what `torch.optim.Adam(fused=True)` and
`torch.optim.SGD(fused=True)` call) make one pass over a tensor's weights, gradient and
state, but take one lr (and one momentum) for all the tensors of a call. A population's
members have their own. On a CPU the members that share their settings are moved by one
call on their rows of the stacked tensors, so each member moves exactly as the fused
`torch.optim` optimizer moves one run:

    members 0 and 2 at lr 0.1, 1 and 3 at lr 0.01
      -> kernel(rows 0, 2 of every tensor, lr=0.1);  kernel(rows 1, 3, lr=0.01)

Each member's rows are their own tensors in a call, even when all members share their
settings: a kernel's arithmetic on an element may depend on where the element sits in its
tensor (vector lanes, then a scalar tail; `_fused_sgd_` on a whole (3, 100) tensor ends a
few elements one bit away from the same call on its three rows), so a member computes
the same numbers alone as among others only if its tensors always start at its own first
element. A single run (K = 1) hands the kernel its stacked (1, ...) tensors, which are its
rows element for element.

Row calls cost per tensor, not per element: each member's tensor in a call is a view and
a step of the kernel's loop over tensors, about 3 µs in all on the 2-core development
machine. The passes they save cost per element. Members under 2,048 elements per tensor
on average (`ROW_CALL_ELEMENTS`) are moved by per-member tensor operations instead, alone
or not (the choice depends on the members' shapes only), as are members on an
accelerator, whose settings would have to be read back from the device at every step;
`setting_groups` then returns None.

Measured (one thread, the optimizer step alone): 32 members of seed 000's 14,146-weight
MLP in 8 tensors moved 0.62× (SGD) and 0.71× (Adam) as fast by rows as by per-member
tensor operations; 36 members of a 784-100-100-10 MLP (89,610 weights in 6 tensors)
1.14× and 1.43× faster.
"""

from __future__ import annotations

from typing import Sequence

import torch

__all__ = ["ROW_CALL_ELEMENTS", "RowViews", "setting_groups"]

# Between the measured sizes (see the module docstring): 1,768 elements per tensor slower
# by rows, 14,935 faster.
ROW_CALL_ELEMENTS = 2048

Groups = list[tuple[tuple[float, ...], list[int]]]


def setting_groups(params: Sequence[torch.Tensor], *settings: torch.Tensor) -> Groups | None:
    """The members (rows) grouped by equal settings, each (K,): [(settings, rows), ...], or
    None when per-member tensor operations are the way (see the module docstring)."""
    if params[0].device.type != "cpu" or not all(param.is_contiguous() for param in params):
        return None
    if sum(param.numel() // param.shape[0] for param in params) < ROW_CALL_ELEMENTS * len(params):
        return None
    rows_of: dict[tuple[float, ...], list[int]] = {}
    for row, key in enumerate(zip(*(setting.tolist() for setting in settings))):
        rows_of.setdefault(key, []).append(row)
    return list(rows_of.items())


class RowViews:
    """Hands each group its members' rows of the stacked tensors. The rows of long-lived
    tensors (weights, optimizer state) are viewed once and kept while the tensor stays the
    same object; fresh ones (this step's gradients) are viewed at every step."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, str], tuple[torch.Tensor, tuple[torch.Tensor, ...]]] = {}

    def split(
        self, groups: Groups, names: Sequence[str], lists: Sequence[tuple[str | None, Sequence[torch.Tensor]]]
    ) -> list[tuple[tuple[float, ...], list[list[torch.Tensor]]]]:
        """For each group (settings, one list of row tensors per entry of `lists`). `lists`
        pairs a kind with one stacked tensor per name: a kind names tensors whose row views
        are kept, None fresh tensors."""
        if len(groups) == 1 and len(groups[0][1]) == 1:
            # one member (K = 1): its stacked tensors are its rows, element for element
            return [(groups[0][0], [list(stacked) for _, stacked in lists])]
        rows = [self._rows(kind, names, stacked) if kind else [tensor.unbind(0) for tensor in stacked] for kind, stacked in lists]
        return [(key, [[tensor[row] for tensor in views for row in members] for views in rows]) for key, members in groups]

    def _rows(self, kind: str, names: Sequence[str], stacked: Sequence[torch.Tensor]) -> list[tuple[torch.Tensor, ...]]:
        views = []
        for name, tensor in zip(names, stacked):
            kept = self._kept.get((kind, name))
            if kept is None or kept[0] is not tensor:
                kept = self._kept[(kind, name)] = (tensor, tensor.unbind(0))
            views.append(kept[1])
        return views
