"""Train several variants of one base config on the same data split and seed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from reglab.config import Config, load_config
from reglab.engine.run import Run, train
from reglab.store import RunStore

__all__ = ["Variant", "train_variants"]


@dataclass(frozen=True)
class Variant:
    """A labelled set of `--set` style overrides on top of a base config."""

    label: str
    overrides: tuple[tuple[str, Any], ...] = ()

    def config(self, base: Mapping[str, Any]) -> Config:
        return load_config(base=base, overrides=[*self.overrides, ("name", self.label)])


def train_variants(
    base: Mapping[str, Any],
    variants: Sequence[Variant],
    store: RunStore,
    on_run: Callable[[Variant, Run], None] | None = None,
    verbose: bool = False,
) -> list[Run]:
    """Validate every variant first (bad input stores nothing), then train each in turn."""
    configs = [variant.config(base) for variant in variants]
    runs = []
    for variant, config in zip(variants, configs):
        run = train(config, store=store, verbose=verbose)
        runs.append(run)
        if on_run is not None:
            on_run(variant, run)
    return runs
