"""The population forward pass with `torch.func`: `functional_call` of one member model under `vmap`.

The alternative to `stacked.py`, kept to measure both (benchmarks/population_vs_sequential.py)
and as a reference: it runs the single-run module itself, so its outputs are the
definition the stacked pass must match. Stacked buffers are passed with in_dims=0,
so batch norm updates each member's running statistics; dropout draws differ per
member (`randomness="different"`). The module has one dropout rate, so all members
must share their dropout rates.

Reference:
    torch.func.stack_module_state / functional_call / vmap ("model ensembling" tutorial).
"""

from __future__ import annotations

import torch
from torch.func import functional_call, vmap

from reglab.population.members import MemberHyperparameters

__all__ = ["vmap_forward"]


def vmap_forward(template: torch.nn.Module, hyper: MemberHyperparameters):
    """A forward function with the stacked engine's signature, built on `template` (one member's model).

    Raises:
        ValueError: members with different dropout rates (the module holds one rate).
    """
    if len(set(hyper.dropout_rates)) > 1:
        raise ValueError("the vmap engine needs every member to share model.dropout")

    def single(params, buffers, inputs):
        return functional_call(template, {**params, **buffers}, (inputs,))

    batched = {
        (training, shared): vmap(single, in_dims=(0, 0, None if shared else 0), randomness="different")
        for training in (False, True)
        for shared in (False, True)
    }

    def forward(params, buffers, inputs: torch.Tensor, dropout, training: bool, shared: bool, generators=None, hidden=None) -> torch.Tensor:
        # dropout masks come from nn.Dropout, that is from PyTorch's global generator
        template.train(training)
        return batched[(training, shared)](params, buffers, inputs)

    return forward
