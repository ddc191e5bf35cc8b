"""The server-side runs table, groups and sweep tables, on a generated store."""

from __future__ import annotations

import math
import statistics

import pytest

from reglab.ui.database import ReadOnlyDatabase
from reglab.ui.filters import FilterError
from reglab.ui.index import RunIndex
from reglab.ui.sweeps import sweep_heatmap, sweep_table
from reglab.ui.tables import ColumnError, RunsQuery, run_groups, runs_page
from tests.ui.synthetic_store import write_run


@pytest.fixture
def index(store_contents):
    database = ReadOnlyDatabase(store_contents.directory / "reglab.db")
    yield RunIndex(database)
    database.close()


def final(store_contents, run_id, key):
    with_summary = store_contents.writer.get_run(run_id).summary
    return with_summary["final"][key]


def test_every_run_is_listed_newest_first_with_the_swept_keys_as_columns(store_contents, index):
    page = runs_page(index.snapshot(), RunsQuery())
    assert page["total"] == 15 and [row["id"] for row in page["rows"]] == list(reversed(store_contents.all_ids))
    assert {"optimizer.lr", "optimizer.weight_decay", "seed", "val/acc"} <= set(page["columns"])
    assert "name" not in page["columns"]


def test_sort_by_a_metric_and_runs_without_it_go_last(store_contents, index):
    page = runs_page(index.snapshot(), RunsQuery(sort="val/acc", descending=True, columns=("val/acc",)))
    values = [row["values"]["val/acc"] for row in page["rows"]]
    assert values == sorted(values, reverse=True)
    ascending = runs_page(index.snapshot(), RunsQuery(sort="val/acc", descending=False, columns=("val/acc",)))
    assert [row["values"]["val/acc"] for row in ascending["rows"]] == sorted(values)


def test_key_filter_and_text_filter(store_contents, index):
    page = runs_page(index.snapshot(), RunsQuery(filter="optimizer.lr>0.05 grid", limit=1000))
    expected = [run.id for run in store_contents.writer.runs(sweep="grid") if run.config["optimizer"]["lr"] > 0.05]
    assert sorted(row["id"] for row in page["rows"]) == sorted(expected) and len(expected) == 8
    assert runs_page(index.snapshot(), RunsQuery(filter="weight"))["total"] == 1


def test_paging(index):
    first = runs_page(index.snapshot(), RunsQuery(limit=4, sort="name", descending=False))
    second = runs_page(index.snapshot(), RunsQuery(limit=4, offset=4, sort="name", descending=False))
    names = [row["name"] for row in first["rows"] + second["rows"]]
    assert names == sorted(names) and len(set(names)) == 8 and first["total"] == 15


def test_running_run_has_progress_and_eta(store_contents, index):
    (row,) = [row for row in runs_page(index.snapshot(), RunsQuery())["rows"] if row["id"] == store_contents.running_id]
    assert row["status"] == "running" and row["epochs"] == 3 and row["epochs_planned"] == 10
    assert row["eta_s"] is not None and row["eta_s"] >= 0
    assert row["values"]["val/acc"] == pytest.approx(store_contents.running_history[2]["val/acc"])


def test_groups_give_mean_and_sample_std_over_seeds(store_contents, index):
    groups = run_groups(index.snapshot(), RunsQuery(filter="sweep=grid", group_by=("optimizer.lr", "optimizer.weight_decay"), columns=("val/acc",)))
    assert len(groups["groups"]) == 6 and all(group["count"] == 2 for group in groups["groups"])
    group = next(group for group in groups["groups"] if group["key"] == [0.1, 0.0001])
    values = [final(store_contents, run_id, "val/acc") for run_id in group["run_ids"]]
    assert group["stats"]["val/acc"]["mean"] == pytest.approx(statistics.mean(values))
    assert group["stats"]["val/acc"]["std"] == pytest.approx(statistics.stdev(values))


def test_bad_keys_are_one_line_errors(index):
    with pytest.raises(FilterError):
        runs_page(index.snapshot(), RunsQuery(filter="nope>1"))
    with pytest.raises(ColumnError, match="sort/columns: unknown key 'nope'"):
        runs_page(index.snapshot(), RunsQuery(sort="nope"))


def test_new_epochs_and_runs_appear_after_a_refresh(store_contents, index, monkeypatch):
    monkeypatch.setattr("reglab.ui.index.REFRESH_INTERVAL_S", 0.0)
    before = index.snapshot()
    row = store_contents.running_history[3]
    store_contents.writer.log_epoch(store_contents.running_id, 4, {k: v for k, v in row.items() if k != "epoch"})
    new_id = write_run(store_contents.writer, "late", epochs=2)
    after = index.snapshot()
    assert after.version > before.version
    assert after.by_id[store_contents.running_id].epochs == 4 and new_id in after.by_id


def test_sweep_table_and_heatmap(store_contents, index):
    table = sweep_table(index.snapshot(), "grid", "val/acc", best=3)
    assert table["keys"] == ["optimizer.lr", "optimizer.weight_decay", "seed"] and len(table["runs"]["id"]) == 12
    assert sorted(table["runs"]["id"]) == sorted(store_contents.sweep_ids)
    columns = table["columns"]
    assert set(columns) == {"optimizer.lr", "optimizer.weight_decay", "seed", "val/acc"}
    for position, run_id in enumerate(table["runs"]["id"]):
        assert columns["val/acc"][position] == final(store_contents, run_id, "val/acc")
    best = [row["values"]["val/acc"] for row in table["best"]]
    assert best == sorted(best, reverse=True) and best[0] == max(columns["val/acc"]) and len(best) == 3
    heat = sweep_heatmap(index.snapshot(), "grid", "optimizer.lr", "optimizer.weight_decay", "val/acc")
    assert heat["x_values"] == ["0.01", "0.1", "0.3"] and heat["count"] == [[2, 2, 2], [2, 2, 2]]
    cell = [
        value for value, lr, decay in zip(columns["val/acc"], columns["optimizer.lr"], columns["optimizer.weight_decay"])
        if lr == 0.3 and decay == 0
    ]
    assert heat["mean"][0][2] == pytest.approx(sum(cell) / 2) and not math.isnan(heat["std"][0][2])
    loss = sweep_table(index.snapshot(), "grid", "val/loss", best=3)
    assert loss["lower_is_better"] and loss["best"][0]["values"]["val/loss"] == min(loss["columns"]["val/loss"])
