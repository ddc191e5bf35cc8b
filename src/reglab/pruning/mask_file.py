"""A lottery run's masks of every round, in one safetensors file of its run folder.

    runs/<id>/lottery_masks.safetensors
        <tensor name>   uint8 (int16 past 255 rounds), the shape of the weight: the last
                        round whose network still holds the entry (0 … R)
        metadata        {"reglab": {"kind": "lottery_masks", "rounds": R, "names": [...]}}

The mask of round r (the network trained in round r; round 0 is dense) is

    M_r = [last_round ≥ r]

since each round prunes only entries the previous round kept. One small tensor per
weight holds all R + 1 masks; R is the last round the run reached (fewer than asked
when it stopped early). Written with safetensors, never pickle; `pruning.method:
fixed_mask` reads a round's mask back (`read_round_mask`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from reglab.config.errors import ConfigError

__all__ = ["MASKS_FILE", "MASKS_KIND", "RoundMasks", "masks_path", "write_round_masks", "read_round_mask"]

MASKS_FILE = "lottery_masks.safetensors"
MASKS_KIND = "lottery_masks"


class RoundMasks:
    """The masks of a lottery run's rounds so far, kept as each entry's last round.

    Example:
        >>> history = RoundMasks()
        >>> history.record(1, {"head.weight": torch.tensor([1, 1, 0])})
        >>> history.record(2, {"head.weight": torch.tensor([1, 0, 0])})
        >>> history.mask(1)["head.weight"], history.rounds
        (tensor([ True,  True, False]), 2)
    """

    def __init__(self, last_round: Mapping[str, torch.Tensor] | None = None, rounds: int = 0) -> None:
        self.last_round = {name: tensor.to("cpu", torch.int16) for name, tensor in (last_round or {}).items()}
        self.rounds = rounds

    def record(self, round_index: int, masks: Mapping[str, torch.Tensor]) -> None:
        """Round `round_index`'s masks (1 kept, 0 pruned; any device or dtype), after round − 1's."""
        for name, mask in masks.items():
            kept = mask.detach().to("cpu") != 0
            if name not in self.last_round:
                self.last_round[name] = torch.zeros(kept.shape, dtype=torch.int16)
            self.last_round[name][kept] = round_index
        self.rounds = round_index

    def mask(self, round_index: int) -> dict[str, torch.Tensor]:
        """M_r as bool tensors."""
        return {name: last >= round_index for name, last in self.last_round.items()}


def masks_path(path: str | Path) -> Path:
    """The masks file itself, given it or the run folder holding it."""
    path = Path(path)
    return path / MASKS_FILE if path.is_dir() else path


def write_round_masks(folder: str | Path, history: RoundMasks) -> Path | None:
    """Write `folder/lottery_masks.safetensors` (nothing when no round was pruned)."""
    if not history.last_round:
        return None
    dtype = torch.uint8 if history.rounds <= 255 else torch.int16
    tensors = {name: last.to(dtype).contiguous() for name, last in history.last_round.items()}
    meta = {"kind": MASKS_KIND, "rounds": history.rounds, "names": list(tensors)}
    path = Path(folder) / MASKS_FILE
    partial = path.with_suffix(".partial")
    save_file(tensors, str(partial), metadata={"reglab": json.dumps(meta)})
    partial.replace(path)
    return path


def read_round_mask(path: str | Path, round_index: int, key: str = "pruning.mask_file") -> dict[str, torch.Tensor]:
    """M_r of the masks file at `path` (or in the run folder `path`): name -> bool tensor.

    Raises:
        ConfigError: no such file, not a lottery masks file, or no round `round_index` in it
            (`key` names the config key in the message).
    """
    file = masks_path(path)
    if not file.is_file():
        raise ConfigError(key, str(path), f"an existing {MASKS_FILE} written by a lottery run, or its run folder")
    try:
        with safe_open(str(file), framework="pt") as handle:
            meta = json.loads((handle.metadata() or {}).get("reglab", "{}"))
            if meta.get("kind") != MASKS_KIND:
                raise ValueError("not a lottery masks file")
            last_round = {name: handle.get_tensor(name).to(torch.int16) for name in handle.keys()}
    except Exception as error:  # damaged, truncated or foreign files: one line, no traceback
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ConfigError(key, str(path), f"a {MASKS_FILE} written by a lottery run ({reason})") from None
    rounds = int(meta["rounds"])
    if not 0 <= round_index <= rounds:
        raise ConfigError("pruning.mask_round", round_index, f"0 to {rounds} (the rounds in {file})")
    return RoundMasks(last_round, rounds).mask(round_index)
