"""docs/config.md is generated from the code and documents every key."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from reglab.config import Config
from reglab.config.reference import config_reference, key_meanings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "config.md"


def _sections():
    yield "", Config
    for name, field in Config.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            yield name, field.annotation


def test_every_key_has_a_documented_meaning():
    for prefix, section in _sections():
        meanings = key_meanings(section)
        for name, field in section.model_fields.items():
            if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
                continue
            assert meanings.get(name), f"{prefix}.{name} has no line in the Keys: block of {section.__name__}"


def test_docs_config_md_is_current():
    assert DOCS.read_text() == config_reference(), "regenerate: python -m reglab.config.reference > docs/config.md"
