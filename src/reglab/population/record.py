"""Each population member recorded as an ordinary run: the same rows, metrics and files as `reglab.train`.

Per member: `start_run` with its config (so `config_hash` identifies it for sweeps),
`log_epoch` as each epoch ends (a killed population keeps every finished epoch),
`finish_run` with a summary from `reglab.engine.summary.summarize`, and the files
config.yaml, metrics.csv, summary.json and model.safetensors (the member's weights
under the single-run model's names, so `reglab report` and analysis tools load it).

`time/epoch` of a member is the population's training time for that epoch divided
by the number of members trained in it.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import torch
from safetensors.torch import save_file

from reglab.config import Config
from reglab.contract.events import Stop
from reglab.engine.summary import summarize
from reglab.store import RunStore, write_config, write_metrics_csv, write_summary

__all__ = ["MemberRecorder", "save_state"]


def save_state(path, state: Mapping[str, torch.Tensor]) -> None:
    """Write a state dict with safetensors (contiguous CPU copies), as `reglab.store.save_weights` does."""
    save_file({name: tensor.detach().to("cpu").contiguous().clone() for name, tensor in state.items()}, str(path))


class MemberRecorder:
    """Writes the K members of a population to the store.

    Args:
        store: the run store.
        configs: the members' configs.
        sweep: the sweep the runs belong to (None outside sweeps).
        population: facts about the population kept in every member's summary
            (`population` entry: size, member, engine, data_order, order_seed).
    """

    def __init__(self, store: RunStore, configs: Sequence[Config], sweep: str | None, population: Mapping[str, Any]) -> None:
        self.store = store
        self.configs = list(configs)
        self.sweep = sweep
        self.population = dict(population)
        self.run_ids: list[str] = []
        self.open: set[int] = set()

    def start(self) -> list[str]:
        """Create a `running` row and a folder (with config.yaml) for every member."""
        for config in self.configs:
            run_id = self.store.start_run(config.name, config.to_dict(), sweep=self.sweep)
            write_config(self.store.run_dir(run_id), config.to_dict())
            self.run_ids.append(run_id)
        self.open = set(range(len(self.configs)))
        return self.run_ids

    def reopen(self, run_ids: Sequence[str]) -> list[str]:
        """Continue the interrupted runs `run_ids` (one per config, in order) under their ids."""
        for run_id in run_ids:
            self.store.reopen_run(run_id)
        self.run_ids = list(run_ids)
        self.open = set(range(len(self.configs)))
        return self.run_ids

    def epoch(self, member: int, metrics: Mapping[str, float]) -> None:
        self.store.log_epochs(self.run_ids[member], [metrics])

    def finish(
        self,
        member: int,
        history: list[dict[str, float]],
        stop: Stop | None,
        state: Mapping[str, torch.Tensor],
        extra: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Final status, summary and files of one member; returns its summary."""
        status = stop.status if stop else "completed"
        details: dict[str, Any] = dict(extra)
        if stop:
            details.update(stop_reason=stop.reason, stop_criterion=stop.criterion)
        details["population"] = {**self.population, "member": member}
        summary = summarize(history, status, details)
        run_id = self.run_ids[member]
        folder = self.store.run_dir(run_id)
        self.store.finish_run(run_id, status, summary)
        write_metrics_csv(folder, history)
        write_summary(folder, summary)
        save_state(folder / "model.safetensors", state)
        self.open.discard(member)
        return summary

    def keep_partial(self, weights: Mapping[int, Mapping[str, torch.Tensor]]) -> None:
        """Members cut short keep `metrics.csv` of their recorded epochs and their last weights
        (as a single run that is interrupted or fails)."""
        for member in sorted(self.open):
            folder = self.store.run_dir(self.run_ids[member])
            try:
                write_metrics_csv(folder, self.store.history(self.run_ids[member]))
                if member in weights:
                    save_state(folder / "model.safetensors", weights[member])
            except Exception:  # the population's own error is the one to report
                continue

    def abort(self, status: str, error: str, trace: str | None = None) -> None:
        """Mark every member still training as failed or interrupted (their epochs stay)."""
        for member in sorted(self.open):
            self.store.finish_run(self.run_ids[member], status, {"error": error}, error=trace)
        self.open.clear()
