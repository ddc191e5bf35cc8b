"""Reading configs: YAML files, `--set KEY=VALUE` overrides, one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml
from pydantic import BaseModel, ValidationError

from reglab.config.errors import ConfigError
from reglab.config.feasibility import check_feasible
from reglab.config.root import Config

__all__ = ["load_config", "parse_override", "apply_overrides", "validate_config", "read_yaml_file", "yaml_error_reason"]


def parse_override(text: str) -> tuple[str, Any]:
    """`"optimizer.lr=0.05"` -> `("optimizer.lr", 0.05)`; the value is read as YAML.

    Example:
        >>> parse_override("model.hidden=[64, 32]")
        ('model.hidden', [64, 32])
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError("--set", text, "KEY=VALUE with a dotted key, e.g. optimizer.lr=0.05")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as error:
        raise ConfigError(
            key, raw, f"a YAML value (number, string, [list], {{mapping}}); the parser says: {yaml_error_reason(error)}"
        ) from None
    return key, value


def apply_overrides(tree: dict[str, Any], overrides: Iterable[str | tuple[str, Any]]) -> dict[str, Any]:
    """Set dotted keys in a nested dict (a copy); unknown keys are caught by validation."""
    result = _deep_copy(tree)
    for override in overrides:
        key, value = parse_override(override) if isinstance(override, str) else override
        node = result
        parts = key.split(".")
        for depth, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif not isinstance(child, dict):
                raise ConfigError(".".join(parts[: depth + 1]), child, "a section (mapping) to set keys inside")
            node = child
        node[parts[-1]] = value
    return result


def _deep_copy(tree: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _deep_copy(value) if isinstance(value, Mapping) else value for key, value in tree.items()}


def yaml_error_reason(error: yaml.YAMLError) -> str:
    """The parser's own reason and position: `mapping values are not allowed here (line 3, column 9)`."""
    problem = getattr(error, "problem", None) or getattr(error, "context", None) or str(error).splitlines()[0]
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    return f"{problem}{where}"


def read_yaml_file(path: Path, key: str = "config") -> Any:
    """Parse a YAML file, or raise a one-line ConfigError naming `key` and the file.

    Refused: a missing path or a folder, a file that is not UTF-8 text, and YAML the
    parser rejects (its reason and line are quoted).
    """
    path = Path(path)
    if not path.is_file():
        what = "a folder" if path.is_dir() else "missing"
        raise ConfigError(key, str(path), f"an existing YAML file (this path is {what})")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(key, str(path), f"a UTF-8 text file (byte {error.start} is not UTF-8)") from None
    except OSError as error:
        raise ConfigError(key, str(path), f"a readable file ({error.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(key, str(path), f"valid YAML; the parser says: {yaml_error_reason(error)}") from None


def _read_yaml(path: Path) -> dict[str, Any]:
    tree = read_yaml_file(path, "config")
    if tree is None:
        return {}
    if not isinstance(tree, dict):
        raise ConfigError("config", str(path), "a YAML mapping of config keys at the top level")
    return tree


def _section_at(model: type[BaseModel], path: tuple[str, ...]) -> type[BaseModel] | None:
    """The pydantic section class found by walking `path` from `model`."""
    for part in path:
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _first_error(error: ValidationError) -> ConfigError:
    """Turn pydantic's report into one line: key, value, what is allowed."""
    detail = error.errors(include_url=False)[0]
    location = tuple(str(part) for part in detail["loc"] if not str(part).startswith("function-"))
    # Union members add their type name to the location; keep only real keys.
    location = tuple(part for part in location if part not in {"int", "float", "list[float]", "list[int]", "str", "bool", "none"})
    key = ".".join(location) or "config"
    if detail["type"] == "extra_forbidden":
        parent = _section_at(Config, location[:-1])
        allowed = sorted(parent.model_fields) if parent else []
        section = ".".join(location[:-1]) or "the top level"
        return ConfigError(key, detail.get("input"), f"known keys under {section}: {', '.join(allowed)}")
    message = detail["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if detail["type"] == "literal_error":
        message = "one of " + message.removeprefix("Input should be ")
    elif message.startswith("Input should be "):
        message = message.removeprefix("Input should be ")
    return ConfigError(key, detail.get("input"), message)


def validate_config(tree: Mapping[str, Any]) -> Config:
    """Validate a nested dict into a frozen Config, or raise a one-line ConfigError.

    Beyond each key's own rule, the keys are checked together against the dataset's
    static facts (`reglab.config.feasibility`: model size, batch size, binary loss,
    early-stopping monitor), so nothing is built from a config that cannot train.
    """
    try:
        config = Config.model_validate(dict(tree))
    except ValidationError as error:
        raise _first_error(error) from None
    check_feasible(config)
    return config


def load_config(
    path: str | Path | None = None,
    overrides: Iterable[str | tuple[str, Any]] = (),
    base: Mapping[str, Any] | None = None,
) -> Config:
    """Read a YAML config (optional), apply `--set` overrides, validate.

    Args:
        path: a YAML file of config keys, or None for the defaults.
        overrides: `"key=value"` strings or `(key, value)` pairs, applied in order.
        base: a nested dict applied before the file (used by sweeps and presets).

    Example:
        >>> cfg = load_config(overrides=["data.dataset=digits", "model.hidden=[64]"])
        >>> cfg.model.hidden
        [64]
    """
    tree: dict[str, Any] = _deep_copy(base or {})
    if path is not None:
        tree = _merge(tree, _read_yaml(Path(path)))
    return validate_config(apply_overrides(tree, overrides))


def _merge(into: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            into[key] = _merge(into[key], value)
        else:
            into[key] = _deep_copy(value) if isinstance(value, Mapping) else value
    return into
