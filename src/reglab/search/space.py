"""A sweep file's parameters as Optuna distributions.

| sweep form                    | Optuna distribution                                  |
|-------------------------------|------------------------------------------------------|
| `[a, b, c]`, `{choice: [...]}`| CategoricalDistribution((a, b, c))                   |
| `{range: [lo, hi, step]}`     | IntDistribution(lo, hi, step) for integers, else FloatDistribution(lo, hi, step) |
| `{uniform: [lo, hi]}`         | FloatDistribution(lo, hi)                            |
| `{loguniform: [lo, hi]}`      | FloatDistribution(lo, hi, log=True)                  |
| a single value                | fixed: part of every config, not searched            |

Choices Optuna cannot store (lists such as `model.hidden: [[64], [128]]`) are its
categories as JSON text, decoded back when a trial becomes a config.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from reglab.sweep.spec import Parameter, SweepSpec, parse_parameter

__all__ = ["SearchSpace", "search_space"]

_PLAIN = (type(None), bool, int, float, str)


def _raw_form(spec: SweepSpec, key: str) -> Any:
    value = spec.parameters[key]
    return next(iter(value)) if isinstance(value, dict) and len(value) == 1 else None


def _distribution(spec: SweepSpec, parameter: Parameter) -> Any:
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if parameter.distribution == "uniform":
        return FloatDistribution(parameter.low, parameter.high)
    if parameter.distribution == "loguniform":
        return FloatDistribution(parameter.low, parameter.high, log=True)
    values = parameter.values or ()
    if _raw_form(spec, parameter.key) == "range" and len(values) > 1:
        low, high, step = spec.parameters[parameter.key]["range"]
        if all(isinstance(bound, int) for bound in (low, high, step)):
            return IntDistribution(low, values[-1], step=step)
        return FloatDistribution(float(low), float(values[-1]), step=float(step))
    if all(isinstance(value, _PLAIN) for value in values):
        return CategoricalDistribution(values)
    return CategoricalDistribution(tuple(json.dumps(value) for value in values))


@dataclass
class SearchSpace:
    """The searched keys (Optuna distributions) and the keys every trial shares."""

    distributions: dict[str, Any]
    fixed: dict[str, Any] = field(default_factory=dict)
    encoded: set[str] = field(default_factory=set)  # categories stored as JSON text

    def values(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """A trial's params -> the config overrides of its run."""
        decoded = {key: json.loads(value) if key in self.encoded else value for key, value in params.items()}
        return {**self.fixed, **decoded}

    def params(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Config overrides -> the params Optuna stores for them (the inverse of `values`)."""
        return {key: json.dumps(values[key]) if key in self.encoded else values[key] for key in self.distributions}


def search_space(spec: SweepSpec) -> SearchSpace:
    """The sweep's parameters as a SearchSpace: a distribution for every key with more than one value."""
    space = SearchSpace({})
    for key, value in spec.parameters.items():
        parameter = parse_parameter(key, value)
        if parameter.values is not None and len(parameter.values) == 1:
            space.fixed[key] = parameter.values[0]
            continue
        distribution = _distribution(spec, parameter)
        space.distributions[key] = distribution
        if parameter.values is not None and any(not isinstance(v, _PLAIN) for v in parameter.values):
            space.encoded.add(key)
    return space
