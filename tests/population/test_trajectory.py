"""Trajectory step rows and snapshots per member: each member's run folder holds the same
`trajectory_steps.csv`, `snapshots/` files and index, and summary entry as its single run's."""

from __future__ import annotations

import csv
import json
import math

import pytest
from safetensors.torch import load_file

import reglab
from reglab.config import validate_config
from reglab.population import train_population
from tests.conftest import tiny_digits
from tests.population.test_train import assert_same_history

TRAJECTORY = {
    "epochs": 4,
    "trajectory.every_steps": 3,
    "trajectory.snapshot_epochs": {"every": 2},
    "trajectory.snapshot_steps": [5, 9, 16],
    "trajectory.snapshot_budget_mb": 0.015,  # about three snapshots of this model: the stride doubles
}
MEMBERS = [
    {},
    {"optimizer.lr": 0.05, "early_stopping.threshold": 0.5, "early_stopping.monitor": "val/acc"},
    {"optimizer.lr": 0.2, "model.dropout": 0.2},
]


def _rows(path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def _assert_same_rows(got: list[dict[str, str]], expected: list[dict[str, str]]) -> None:
    assert len(got) == len(expected)
    assert list(got[0]) == list(expected[0])  # the same columns, in the same order
    for row, reference in zip(got, expected):
        for key, value in reference.items():
            if value in ("", "nan"):
                assert row[key] == value, key
            else:
                assert float(row[key]) == pytest.approx(float(value), rel=1e-5, abs=1e-6), key


@pytest.mark.parametrize("shards", [1, 2])
def test_members_write_the_step_rows_and_snapshots_of_their_single_runs(store_dir, shards):
    configs = [validate_config(tiny_digits(seed=seed, **TRAJECTORY, **overrides)) for seed, overrides in enumerate(MEMBERS)]
    members = train_population(configs, store=store_dir, data_order="independent", shards=shards)
    assert members[1].status == "stopped_early"  # a member that ends early finishes its files then
    for config, member in zip(configs, members):
        single = reglab.train(config, store=store_dir)
        assert member.status == single.status
        assert_same_history(member, single)
        mine, theirs = member.store / "runs" / member.id, single.store / "runs" / single.id
        rows = _rows(mine / "trajectory_steps.csv")
        _assert_same_rows(rows, _rows(theirs / "trajectory_steps.csv"))
        assert [int(row["step"]) for row in rows][:3] == [0, 3, 6]
        index, reference = (json.loads((folder / "snapshots" / "index.json").read_text()) for folder in (mine, theirs))
        assert index == reference  # files, epochs, steps, ordinals, bytes, stride
        assert index["stride"] > 1  # the budget thinned them
        for entry in index["snapshots"]:
            got, expected = (load_file(folder / "snapshots" / entry["file"]) for folder in (mine, theirs))
            assert got.keys() == expected.keys()
            for name, tensor in expected.items():
                assert got[name].float().allclose(tensor.float(), rtol=1e-5, atol=1e-6), (entry["file"], name)
        summary, expected = member.summary["trajectory"], single.summary["trajectory"]
        assert {key: value for key, value in summary.items() if key != "initial"} == {
            key: value for key, value in expected.items() if key != "initial"
        }
        assert summary["initial"] == pytest.approx(expected["initial"], rel=1e-6)
        assert all(math.isfinite(value) for value in summary["initial"].values())
    # the members' files are their own
    assert _rows(members[0].store / "runs" / members[0].id / "trajectory_steps.csv")[-1] != _rows(
        members[2].store / "runs" / members[2].id / "trajectory_steps.csv"
    )[-1]
