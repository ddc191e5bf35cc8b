"""Each member's own random stream: the draws of its single run, whatever the population.

A single run seeds PyTorch's global generator with its seed, builds its model (which
draws the initial weights) and then trains; dropout draws its masks from that global
generator. A member of a population gets a generator of its own in exactly that
state (`member_generator`, called right after its model is built), and draws its
masks from it in the same order, so its history depends on its own config only: not
on K, its neighbours, or how the population is split into shards.
"""

from __future__ import annotations

import torch

__all__ = ["member_generator"]


def member_generator(seed: int, device: torch.device) -> torch.Generator:
    """A generator in the state the global one of `device` has now (after the member's build).

    On a GPU the model is built on the CPU, so the device's global generator is still
    where `torch.manual_seed(seed)` put it.
    """
    generator = torch.Generator(device=device)
    if device.type == "cpu":
        generator.set_state(torch.get_rng_state())
    else:
        generator.manual_seed(seed)
    return generator
