"""The report's config section: differing keys only, configs as rows beyond six runs,
the keys every run shares said once."""

from __future__ import annotations

from reglab.report import load_report_runs, write_report
from reglab.report.config_table import MAX_RUN_COLUMNS, config_table, one_cell
from tests.report.conftest import make_history, store_run


def test_beyond_six_runs_one_row_per_config_with_the_seeds_said_once(store, tmp_path):
    """The lottery-ticket report of 70 runs had one column per run (71 columns)."""
    ids = [
        store_run(store, name, make_history(), [("optimizer.lr", lr), ("seed", seed), ("optimizer.momentum", 0.9 + seed / 100)])
        for name, lr in (("ticket", 0.1), ("control", 0.01))
        for seed in range(4)
    ]
    runs = load_report_runs(store, ids)
    assert len(runs) > MAX_RUN_COLUMNS
    table = config_table(runs)
    assert table.header == ["config", "runs", "lr"]
    assert table.rows == [["ticket", "4", "0.1"], ["control", "4", "0.01"]]
    assert table.notes == [
        "columns: lr = optimizer.lr",
        "same in every config: optimizer.momentum 4 values, seed 0–3",
        "Every run shares the other keys; those not at reglab's defaults: device = cpu.",
    ]
    text = write_report(store, ids, tmp_path / "r.html").read_text()
    assert "<thead><tr><th>config</th><th>runs</th><th>lr</th></tr></thead>" in text
    assert "same in every config: optimizer.momentum 4 values, seed 0–3" in text


def test_up_to_six_runs_side_by_side_and_the_shared_keys_in_one_line(store):
    ids = [store_run(store, name, make_history(), [("optimizer.lr", lr), ("optimizer.name", "adam")])
           for name, lr in (("slow", 0.01), ("fast", 0.1))]
    table = config_table(load_report_runs(store, ids))
    assert table.header == ["config key", "slow", "fast"]
    assert table.rows == [["optimizer.lr", "0.01", "0.1"]]
    assert table.notes == ["Every run shares the other keys; those not at reglab's defaults: device = cpu, optimizer.name = adam."]
    single = config_table(load_report_runs(store, ids[:1]))
    assert single.intro == "Config keys whose values differ from reglab's defaults." and single.notes == []
    assert ["optimizer.lr", "0.01"] in single.rows


def test_one_cell_says_a_shared_value_once():
    assert one_cell([5e-4, 5e-4]) == "0.0005"
    assert one_cell([0, 1, 2, 3, 4]) == "0–4"
    assert one_cell([0, 1, 5, 6, 7]) == "0, 1, 5–7"
    assert one_cell(["/store/runs/3f2a", "/store/runs/9b1c"]) == "/store/runs/… (2 values)"
    assert one_cell([None, "fixed_mask"]) == "2 values"
