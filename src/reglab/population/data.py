"""The members' data: loaded once per distinct (data config, seed), shared where identical.

Each member sees exactly the splits a single run with its config would see
(`load_data(config.data, config.seed)`): the seed carves validation sets and draws
label noise. Tensors that are the same for every member are kept once, (N, ...);
otherwise the distinct ones are stacked, (U, N, ...), with each member's row in
`member_index`. Inputs do not depend on `data.label_noise` (only labels do), so
members that differ only in label noise share their inputs.

Batches come from one data order for all members (`shared`: the order a single run
with the first member's seed draws) or one order per member (`independent`: each
member's own seed, exactly as its single run). Shared inputs in a shared order
give a (B, ...) batch that the first layer multiplies once for all members;
anything else costs a (K, B, ...) gather per step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Sequence

import torch

from reglab.config import Config

__all__ = ["MemberTensor", "PopulationData", "load_population_data"]


@dataclass
class MemberTensor:
    """One split tensor of every member: shared (N, ...) or stacked (U, N, ...) plus member_index (K,)."""

    values: torch.Tensor
    member_index: torch.Tensor | None = None

    @property
    def shared(self) -> bool:
        return self.member_index is None

    @property
    def count(self) -> int:
        return self.values.shape[0 if self.shared else 1]

    def rows(self, positions: torch.Tensor) -> torch.Tensor:
        """Rows at `positions`: (B,) for every member or (K, B) per member -> (B, ...) or (K, B, ...)."""
        if self.shared and positions.dim() == 1:
            return self.values.index_select(0, positions)  # values[positions], gathered about 2x faster
        if self.shared:
            return self.values[positions]
        if positions.dim() == 1:
            return self.values[:, positions].index_select(0, self.member_index)
        return self.values[self.member_index.unsqueeze(1), positions]

    def chunk(self, start: int, end: int) -> torch.Tensor:
        """Rows start:end of every member: (n, ...) when shared, else (K, n, ...)."""
        if self.shared:
            return self.values[start:end]
        return self.values[:, start:end].index_select(0, self.member_index)

    def select(self, keep: torch.Tensor) -> "MemberTensor":
        if self.shared:
            return self
        return MemberTensor(self.values, self.member_index.index_select(0, keep))

    @staticmethod
    def concat(parts: Sequence["MemberTensor"]) -> "MemberTensor":
        """The members of `parts` (selections of one MemberTensor), one after another."""
        if parts[0].shared:
            return parts[0]
        return MemberTensor(parts[0].values, torch.cat([part.member_index for part in parts]))


@dataclass
class PopulationData:
    """Train/val/test tensors of every member, and the facts shared by all of them."""

    task: str
    num_classes: int
    input_shape: tuple[int, ...]
    output_dim: int
    train_x: MemberTensor
    train_y: MemberTensor
    val_x: MemberTensor
    val_y: MemberTensor
    test_x: MemberTensor
    test_y: MemberTensor
    distinct: int
    info: dict[str, Any]
    reference: Any = None  # the first member's DataSplits (techniques are validated against it)
    member_splits: tuple[Any, ...] = ()  # each member's DataSplits, by original member index

    def select(self, keep: torch.Tensor) -> "PopulationData":
        changes = {name: getattr(self, name).select(keep) for name in SPLIT_TENSORS}
        return PopulationData(**{**self.__dict__, **changes})

    @staticmethod
    def concat(parts: Sequence["PopulationData"]) -> "PopulationData":
        """The members of `parts` (selections of one PopulationData), one after another."""
        changes = {name: MemberTensor.concat([getattr(part, name) for part in parts]) for name in SPLIT_TENSORS}
        return PopulationData(**{**parts[0].__dict__, **changes})


SPLIT_TENSORS = ("train_x", "train_y", "val_x", "val_y", "test_x", "test_y")


def _key(config: Config, inputs: bool) -> str:
    data = config.data.model_dump(mode="json")
    if inputs:
        data["label_noise"] = 0.0  # label noise changes labels only, never inputs
    return json.dumps([data, config.seed], sort_keys=True)


def _stack(tensors: list[torch.Tensor], keys: list[str], key_of_member: list[str]) -> MemberTensor:
    """Keep a tensor once when all members share it; else stack the distinct ones."""
    distinct: dict[str, int] = {}
    unique: list[torch.Tensor] = []
    for key, tensor in zip(keys, tensors):
        if key in distinct:
            continue
        # Data that does not depend on the seed (published splits, no noise) is the
        # same tensor under another key: compare with the first one, cheaply.
        if unique and (tensor is unique[0] or (tensor.shape == unique[0].shape and torch.equal(tensor, unique[0]))):
            distinct[key] = 0
            continue
        distinct[key] = len(unique)
        unique.append(tensor)
    if len(unique) == 1:
        return MemberTensor(unique[0])
    index = torch.tensor([distinct[key] for key in key_of_member], dtype=torch.long, device=unique[0].device)
    return MemberTensor(torch.stack(unique), index)


def _same_splits(first: Any, second: Any) -> bool:
    return all(
        getattr(first, name).shape == getattr(second, name).shape and torch.equal(getattr(first, name), getattr(second, name))
        for name in SPLIT_TENSORS
    )


def load_population_data(configs: Sequence[Config], device: torch.device, data: Any = None) -> PopulationData:
    """Load every member's splits (once per distinct data config and seed).

    Args:
        configs: the members' configs (same data config apart from `data.label_noise`).
        device: where the tensors live.
        data: optional `DataSplits` every member uses as is (benchmarks pass one
            dataset for many seeds, skipping K loads), or a user's data in another
            form of `reglab.data.user`, split per member seed as its single run splits it.

    Raises:
        ValueError: members whose splits differ in size (they cannot share a population).
    """
    from reglab.data import DataSplits, load_data
    from reglab.engine.setup import user_data_splits

    if data is not None and not isinstance(data, DataSplits):
        user_data, data = data, None

        def load_data(data_config, seed, device):  # noqa: F811  (the user's data, split per seed)
            return user_data_splits(next(c for c in configs if c.seed == seed), user_data, device)

    loaded: dict[str, Any] = {}
    by_data_config: dict[str, list[Any]] = {}
    seed_independent: dict[str, bool] = {}  # compared once per data config, not once per member
    for config in configs:
        key = _key(config, inputs=False)
        if key in loaded:
            continue
        data_key = config.data.model_dump_json()
        same_data = by_data_config.setdefault(data_key, [])
        if len(same_data) >= 2 and data_key not in seed_independent:
            seed_independent[data_key] = _same_splits(same_data[0], same_data[1])
        if data is not None:
            loaded[key] = data
        elif seed_independent.get(data_key, False):
            # Two seeds gave identical splits: this data does not depend on the seed
            # (published splits, no noise), so the other seeds need no load of their own.
            loaded[key] = same_data[0]
        else:
            loaded[key] = load_data(config.data, config.seed, device)
            same_data.append(loaded[key])
    member_keys = [_key(config, inputs=False) for config in configs]
    input_keys = {_key(config, inputs=False): _key(config, inputs=True) for config in configs}
    first = next(iter(loaded.values()))
    for split in loaded.values():
        sizes = [len(getattr(split, name)) for name in ("train_x", "val_x", "test_x")]
        if sizes != [len(first.train_x), len(first.val_x), len(first.test_x)]:
            raise ValueError(f"population members have different split sizes: {sizes}")
    keys = list(loaded)
    tensors: dict[str, MemberTensor] = {}
    for name in SPLIT_TENSORS:
        inputs = name.endswith("_x")
        tensor_keys = [input_keys[key] if inputs else key for key in keys]
        member_tensor_keys = [input_keys[key] if inputs else key for key in member_keys]
        tensors[name] = _stack([getattr(loaded[key], name) for key in keys], tensor_keys, member_tensor_keys)
    return PopulationData(
        task=first.task,
        num_classes=first.num_classes,
        input_shape=tuple(first.input_shape),
        output_dim=first.output_dim,
        distinct=len(loaded),
        info=dict(first.info),
        reference=first,
        member_splits=tuple(loaded[key] for key in member_keys),
        **tensors,
    )
