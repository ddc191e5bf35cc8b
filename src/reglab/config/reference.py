"""Render the reference of every config key (default and meaning) as Markdown.

The meanings come from the `Keys:` block of each section's docstring, the defaults
from the pydantic fields, so docs/config.md cannot drift from the code:
`python -m reglab.config.reference > docs/config.md` (a test checks it is current).
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel

from reglab.config.root import Config

__all__ = ["key_meanings", "config_reference"]

_KEY_LINE = re.compile(r"^\s{8}([a-z_0-9]+): (.*)$")
_CONTINUATION = re.compile(r"^\s{12}(\S.*)$")


def key_meanings(section: type[BaseModel]) -> dict[str, str]:
    """Parse the `Keys:` block of a section's docstring into {key: meaning}."""
    meanings: dict[str, str] = {}
    current = None
    in_keys = False
    for line in (section.__doc__ or "").splitlines():
        if line.strip() == "Keys:":
            in_keys = True
            continue
        if not in_keys:
            continue
        match = _KEY_LINE.match(line)
        if match:
            current = match.group(1)
            meanings[current] = match.group(2).strip()
            continue
        continuation = _CONTINUATION.match(line)
        if continuation and current:
            meanings[current] += " " + continuation.group(1).strip()
        elif line.strip():
            current = None
    return meanings


def _default(section: type[BaseModel], name: str) -> Any:
    field = section.model_fields[name]
    if field.default_factory is not None:
        value = field.default_factory()
    else:
        value = field.default
    if isinstance(value, BaseModel):
        return None
    return value


def _section_rows(section: type[BaseModel], prefix: str) -> list[str]:
    rows = []
    meanings = key_meanings(section)
    for name, field in section.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if prefix:  # a section inside a section (tracking.mlflow.*): its keys in the same table
                rows += _section_rows(annotation, f"{prefix}{name}.")
            continue
        default = json.dumps(_default(section, name))
        meaning = meanings.get(name, "").replace("|", "\\|")
        rows.append(f"| `{prefix}{name}` | `{default}` | {meaning} |")
    return rows


def config_reference() -> str:
    """The Markdown text of docs/config.md."""
    lines = [
        "# Config reference",
        "",
        "Every key with its default and meaning. Dotted keys work the same in YAML files,",
        "in `--set KEY=VALUE`, in sweeps and in the columns of `reglab runs export`.",
        "Generated from the code by `python -m reglab.config.reference`.",
        "",
        "## Top level",
        "",
        "| key | default | meaning |",
        "| --- | --- | --- |",
        *_section_rows(Config, ""),
    ]
    for name, field in Config.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            lines += ["", f"## `{name}.*`", "", (annotation.__doc__ or "").strip().splitlines()[0], ""]
            lines += ["| key | default | meaning |", "| --- | --- | --- |", *_section_rows(annotation, f"{name}.")]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(config_reference(), end="")
