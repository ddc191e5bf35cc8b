"""The sweep file (`reglab sweep SWEEP.yaml`): which configs to train, and how.

    name: lr_wd_dropout            # runs are stored with sweep = name (resume key)
    base: configs/mnist1d.yaml     # a config file (relative to this file) or a mapping of keys
    method: grid                   # grid | random | tpe | cmaes (Optuna; see reglab.search)
    samples: 20                    # random: how many configs to draw
    seed: 0                        # random: seed of the draws
    backend: population            # sequential | population | processes | ray (--backend wins)
    parameters:                    # any dotted config key
      optimizer.lr: [0.1, 0.03]                    # a list of values
      optimizer.weight_decay: {loguniform: [1.0e-5, 1.0e-2]}   # random only
      model.dropout: {range: [0.0, 0.5, 0.25]}     # lo, lo+step, ... up to hi inclusive
      regularization.l2: {uniform: [0.0, 1.0e-3]}  # random only
      seed: {choice: [0, 1, 2]}                    # the same as a list
      data.batch_size: 64                          # a single value
    population: {data_order: shared, engine: stacked, max_size: 64}   # shards: 2 (default: automatic)
    workers: 2                     # processes backend (default: the number of CPU cores)
    ray: {address: auto, cpus_per_task: 1, gpus_per_task: 0.25}     # ray backend (reglab.sweep.ray_options)
    batch: 16                      # Optuna: trials asked at once, trained as one population
    objective: {metric: val/acc, direction: maximize}               # Optuna: what a trial is scored by
    pruner: median                 # Optuna: none | median | hyperband

Every mistake is one line naming the key (`ConfigError`). Numbers may be written as
configs accept them (`1e-3` too, which YAML reads as a string). A file naming more than
`MAX_CONFIGS` configs is refused; grids are counted before they are expanded.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from reglab.config import ConfigError
from reglab.config.loading import apply_overrides, read_yaml_file
from reglab.search.options import Objective
from reglab.sweep.ray_options import RayOptions

__all__ = ["SweepSpec", "PopulationOptions", "Parameter", "BACKENDS", "MAX_CONFIGS", "load_sweep", "parse_parameter"]

BACKENDS = ("sequential", "population", "processes", "ray")
DISTRIBUTIONS = ("range", "loguniform", "uniform", "choice")
# The most configs one sweep file may name; grids are counted before they are expanded.
MAX_CONFIGS = 100_000


class PopulationOptions(BaseModel):
    """`population.*` of a sweep file: how the population backend builds its populations.

    Keys:
        data_order: shared (one sample order per epoch for a whole population; fastest)
            | independent (each member's own seed, exactly as its single run).
        engine: stacked (batched matmuls) | vmap (torch.func.functional_call + vmap).
        max_size: most members in one population (larger groups are split evenly).
        shards: sub-populations that step concurrently, one thread each (default: decided
            per population by `reglab.population.shards.shard_count`; capped at its size).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_order: Literal["shared", "independent"] = "shared"
    engine: Literal["stacked", "vmap"] = "stacked"
    max_size: int = Field(64, ge=1)
    shards: int | None = Field(None, ge=1)

    @field_validator("shards")
    @classmethod
    def _stacked_shards(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and value > 1 and info.data.get("engine") != "stacked":
            raise ValueError("1 with engine vmap (its members share one module)")
        return value


class Parameter(BaseModel):
    """One swept key: explicit values, or a distribution for random search."""

    model_config = ConfigDict(frozen=True)

    key: str
    values: tuple[Any, ...] | None = None  # list, choice, range, single value
    distribution: Literal["uniform", "loguniform"] | None = None
    low: float | None = None
    high: float | None = None


class SweepSpec(BaseModel):
    """A validated sweep file (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    base: dict[str, Any] = Field(default_factory=dict)
    method: Literal["grid", "random", "tpe", "cmaes"] = "grid"
    samples: int | None = Field(None, ge=1)
    seed: int = 0
    backend: Literal["sequential", "population", "processes", "ray"] = "population"
    parameters: dict[str, Any] = Field(default_factory=dict)
    population: PopulationOptions = Field(default_factory=PopulationOptions)
    workers: int | None = Field(None, ge=1)
    ray: RayOptions = Field(default_factory=RayOptions)
    batch: int | None = Field(None, ge=1)
    objective: Objective | None = None
    pruner: Literal["none", "median", "hyperband"] = "none"

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if any(char in value for char in "/\\\n"):
            raise ValueError("a name without slashes or newlines")
        return value

    def parsed_parameters(self) -> list[Parameter]:
        return [parse_parameter(key, value) for key, value in self.parameters.items()]

    def config_count(self) -> int:
        """How many configs the file names (before duplicates are dropped), counted without expanding."""
        if self.method == "random":
            return self.samples or 0
        return math.prod(len(parameter.values or ()) or 1 for parameter in self.parsed_parameters())


def _number(value: Any) -> int | float | None:
    """A finite number as configs accept it: YAML 1.1 reads `1e-3` (no dot) as a string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return value
    return None


def _numbers(key: str, form: str, value: Any, count: int) -> list[float]:
    numbers = [_number(item) for item in value] if isinstance(value, list) else []
    if len(numbers) != count or any(number is None for number in numbers):
        raise ConfigError(f"parameters.{key}.{form}", value, f"a list of {count} finite numbers")
    return numbers


def _range_values(key: str, bounds: list[float]) -> tuple[Any, ...]:
    low, high, step = bounds
    if step <= 0 or high < low:
        raise ConfigError(f"parameters.{key}.range", bounds, "[low, high, step] with step > 0 and high >= low")
    count = int(math.floor((high - low) / step + 1e-9)) + 1
    if count > MAX_CONFIGS:
        raise ConfigError(f"parameters.{key}.range", bounds, f"at most {MAX_CONFIGS} values (this range has {count})")
    integral = all(isinstance(bound, int) for bound in bounds)
    # Rounded to 12 digits so 0.1 + 2·0.1 reads 0.3 (the value a person wrote), not 0.30000000000000004.
    return tuple(low + index * step if integral else round(low + index * step, 12) for index in range(count))


def parse_parameter(key: str, value: Any) -> Parameter:
    """A sweep file's `key: value` entry as a Parameter (one-line ConfigError when malformed).

    Example:
        >>> parse_parameter("model.dropout", {"range": [0.0, 0.5, 0.25]}).values
        (0.0, 0.25, 0.5)
    """
    if isinstance(value, list):
        if not value:
            raise ConfigError(f"parameters.{key}", value, "a non-empty list of values")
        return Parameter(key=key, values=tuple(value))
    if isinstance(value, dict):
        if len(value) != 1 or next(iter(value)) not in DISTRIBUTIONS:
            raise ConfigError(f"parameters.{key}", value, "a list, or one of {range: [lo, hi, step]}, {loguniform: [lo, hi]}, {uniform: [lo, hi]}, {choice: [...]}")
        form, arguments = next(iter(value.items()))
        if form == "choice":
            return parse_parameter(key, arguments if isinstance(arguments, list) else [arguments])
        if form == "range":
            return Parameter(key=key, values=_range_values(key, _numbers(key, form, arguments, 3)))
        low, high = _numbers(key, form, arguments, 2)
        if form == "loguniform" and not 0 < low < high:
            raise ConfigError(f"parameters.{key}.loguniform", arguments, "[low, high] with 0 < low < high")
        if form == "uniform" and not low < high:
            raise ConfigError(f"parameters.{key}.uniform", arguments, "[low, high] with low < high")
        return Parameter(key=key, distribution=form, low=float(low), high=float(high))
    return Parameter(key=key, values=(value,))


def _one_line(error: ValidationError) -> ConfigError:
    detail = error.errors(include_url=False)[0]
    key = ".".join(str(part) for part in detail["loc"]) or "sweep"
    if detail["type"] == "extra_forbidden":
        return ConfigError(key, detail.get("input"), f"known keys: {', '.join(SweepSpec.model_fields)}")
    message = detail["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
    return ConfigError(key, detail.get("input"), message)


def load_sweep(source: str | Path | dict[str, Any], overrides: list[str] | None = None) -> SweepSpec:
    """Read and validate a sweep file (or mapping); `overrides` (`KEY=VALUE`) apply to its base config.

    A `base` given as a path is read relative to the sweep file's folder.

    Raises:
        ConfigError: a missing file, bad YAML, an unknown key, a malformed parameter.
    """
    folder = Path(".")
    if isinstance(source, dict):
        tree = dict(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise ConfigError("sweep", str(path), "an existing sweep YAML file")
        tree = read_yaml_file(path, "sweep") or {}
        if not isinstance(tree, dict):
            raise ConfigError("sweep", str(path), "a YAML mapping with name, base, method, parameters")
        folder = path.parent
    base = tree.get("base", {})
    if isinstance(base, str):
        base_path = (folder / base) if not Path(base).is_absolute() else Path(base)
        if not base_path.is_file():
            raise ConfigError("base", base, "a config YAML file (relative to the sweep file) or a mapping of config keys")
        base = read_yaml_file(base_path, "base") or {}
    if not isinstance(base, dict):
        raise ConfigError("base", base, "a config YAML file or a mapping of config keys")
    tree["base"] = apply_overrides(base, overrides or [])
    if tree.get("parameters") is not None and not isinstance(tree["parameters"], dict):
        raise ConfigError("parameters", tree["parameters"], "a mapping of dotted config keys to values")
    try:
        spec = SweepSpec.model_validate(tree)
    except ValidationError as error:
        raise _one_line(error) from None
    spec.parsed_parameters()  # malformed parameters fail here
    if spec.method != "grid" and spec.samples is None:
        raise ConfigError("samples", None, f"the number of configs to draw (method: {spec.method})")
    count = spec.config_count()
    if count > MAX_CONFIGS:
        key = "samples" if spec.method != "grid" else "parameters"
        raise ConfigError(key, count if key == "samples" else f"a grid of {count} configs", f"at most {MAX_CONFIGS} configs per sweep file")
    return spec
