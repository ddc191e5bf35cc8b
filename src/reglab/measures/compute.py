"""Every measure family a `measures` section names, on one set of weights."""

from __future__ import annotations

from typing import Any, Mapping

import torch

from reglab.measures.distance import distance_from_init
from reglab.measures.flatness import pacbayes_flatness
from reglab.measures.hessian import hessian_top_eigenvalue, hessian_trace
from reglab.measures.layers import layer_matrices
from reglab.measures.margin import norm_over_margin, output_margin
from reglab.measures.network import Network
from reglab.measures.norms import norm_measures
from reglab.measures.path_norm import path_norm
from reglab.measures.sharpness import sharpness
from reglab.measures.spectra import spectral_measures

__all__ = ["compute_measures", "SEED_OFFSET"]

SEED_OFFSET = 7919  # the measures' random draws: a generator seeded with config.seed + this
MARGIN_CHUNK = 4096  # training examples per forward pass of the margin


def compute_measures(
    settings: Any,
    seed: int,
    module: torch.nn.Module,
    weights: Mapping[str, torch.Tensor],
    initial: Mapping[str, torch.Tensor] | None,
    data: Any,
    objective: Any,
    threshold: float = 0.0,
) -> dict[str, float]:
    """`measure/<name>` -> value for every family `settings.names` lists, at `weights`.

    Args:
        settings: the config's `measures` section.
        seed: the run's seed; every family's draws come from a fresh generator seeded
            from it, so the same weights give the same values in any run or member.
        module: a module of the run's architecture (its own weights are not read).
        weights: the state dict to measure.
        initial: the weights at the start of training (for `distance`).
        data: the run's `DataSplits` (training split).
        objective: the run's evaluation `Objective` (its loss, and its correct count for the error).
        threshold: where a single output's prediction flips (0 for logits, 0.5 for probabilities).
    """
    names = set(settings.names)
    values: dict[str, float] = {}
    matrices = layer_matrices(weights)
    if "distance" in names and initial is not None:
        values.update(distance_from_init(weights, initial))
    norms = norm_measures(matrices) if names & {"norms", "margin"} else {}
    if "norms" in names:
        values.update(norms)
    if "spectra" in names:
        values.update(spectral_measures(matrices))
    if not names & {"path_norm", "margin", "flatness", "sharpness", "hessian"}:
        return {f"measure/{name}": float(value) for name, value in values.items()}
    subset = slice(0, settings.samples)
    network, params = Network.of(module, weights, data.train_x[subset], data.train_y[subset], objective.loss,
                                 objective.correct)
    path = path_norm(network, params) if "path_norm" in names else None
    if path is not None:
        values["path_norm"] = path
    if "margin" in names:
        with torch.no_grad():
            outputs = torch.cat([network.outputs(params, data.train_x[start : start + MARGIN_CHUNK])
                                 for start in range(0, data.train_x.shape[0], MARGIN_CHUNK)])
        margin = output_margin(outputs, data.train_y, threshold=threshold)
        values["margin"] = margin
        values.update(norm_over_margin(margin, norms, path))
    if "flatness" in names:
        values.update(pacbayes_flatness(network, params, target=settings.flatness_target, draws=settings.flatness_draws,
                                        steps=settings.flatness_steps, generator=_generator(seed)))
    if "sharpness" in names:
        values["sharpness"] = sharpness(network.loss, params, radius=settings.sharpness_radius,
                                        steps=settings.sharpness_steps, generator=_generator(seed))
    if "hessian" in names:
        values["hessian_top"] = hessian_top_eigenvalue(network.loss, params, iterations=settings.hessian_iterations,
                                                       tolerance=settings.hessian_tolerance, generator=_generator(seed))
        values["hessian_trace"] = hessian_trace(network.loss, params, samples=settings.trace_samples,
                                                generator=_generator(seed))
    return {f"measure/{name}": float(value) for name, value in values.items()}


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed + SEED_OFFSET)
