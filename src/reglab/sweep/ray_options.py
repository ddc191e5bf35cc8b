"""`ray.*` of a sweep file: where the Ray backend runs and what each task reserves.

    ray:
      address: auto              # an existing cluster (`--address` wins); null: a local Ray on this machine
      cpus_per_task: 1           # CPUs each population task reserves; its torch threads
      gpus_per_task: 0.25        # a fraction shares one GPU among several populations
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["RayOptions"]


class RayOptions(BaseModel):
    """Resources and cluster of the Ray backend (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str | None = Field(None, min_length=1)
    cpus_per_task: float = Field(1.0, gt=0)
    gpus_per_task: float = Field(0.0, ge=0)

    @property
    def torch_threads(self) -> int:
        """The torch threads of one task: its whole CPUs, at least one."""
        return max(1, int(self.cpus_per_task))
