"""`reglab runs list | show | delete | tag` and the compare table, read at 80 columns.

The store is filled through `RunStore` with the 32 real configs of
`examples/sweeps/seed004_slice.yaml` and made-up metrics (rendering is under test,
not training), plus one interrupted run with epochs but no summary.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.cli_helpers import run_cli
from reglab.cli.runs_table import runs_table, short_ids
from reglab.config import load_config
from reglab.engine.summary import summarize
from reglab.formatting import column_formatter, format_column, mean_and_std, mean_std_column
from reglab.store import RunStore
from reglab.sweep import expand_sweep, load_sweep
from reglab.text_table import Column, TextTable, render_table, short_names, shown_names

SWEEP = Path(__file__).resolve().parents[2] / "examples" / "sweeps" / "seed004_slice.yaml"
SLICE_COLUMNS = "model.init,model.activation,model.hidden,optimizer.lr,optimizer.momentum"


def _metrics(index: int, epoch: int) -> dict[str, float]:
    accuracy = 0.5 + 0.45 * (1 - 0.5**epoch) * (0.6 + 0.4 * ((index * 7) % 11) / 10)
    return {"train/loss": 1.5 / epoch, "train/acc": accuracy + 0.01, "val/loss": 1.6 / epoch, "val/acc": accuracy,
            "test/loss": 1.7 / epoch + index / 1000, "test/acc": accuracy - 0.005, "lr": 0.1}


@pytest.fixture
def slice_store(store_dir) -> Path:
    return make_slice_store(store_dir)


def make_slice_store(store_dir: Path) -> Path:
    """The 32 runs of the seed004_slice sweep, then one interrupted run."""
    with RunStore(store_dir) as store:
        for index, point in enumerate(expand_sweep(load_sweep(SWEEP))):
            run_id = store.start_run(point.config.name, point.config.to_dict(), sweep="seed004_slice")
            history = []
            for epoch in (1, 2, 3):
                metrics = _metrics(index, epoch)
                store.log_epoch(run_id, epoch, metrics)
                history.append({"epoch": epoch, **metrics})
            kept = {key: value for key, value in history[-1].items() if key.split("/")[0] in ("val", "test")}
            store.finish_run(run_id, "completed", summarize(history, "completed", {"final_eval": kept}))
        config = load_config(overrides=[("name", "cut short"), ("optimizer.lr", 0.3)])
        run_id = store.start_run(config.name, config.to_dict())
        store.log_epoch(run_id, 1, {"train/acc": 0.41, "val/acc": 0.3912, "test/acc": 0.3877, "test/loss": 1.9})
        store.finish_run(run_id, "interrupted", {"error": "interrupted by the user"})
    return store_dir


def _cli(capsys, monkeypatch, *args, width: int = 80, stdin: str | None = None) -> tuple[int, str, str]:
    monkeypatch.setenv("COLUMNS", str(width))
    if stdin is not None:
        import io

        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return run_cli(capsys, *args)


def _assert_readable(text: str, width: int = 80) -> None:
    """Every line fits; no cell was cut (no ellipsis, no cell of one character)."""
    for line in text.splitlines():
        assert len(line) <= width, line
    assert "…" not in text
    assert not re.search(r"│ \S │", text)


def test_runs_list_fits_80_columns_newest_first_with_interrupted_metrics(capsys, monkeypatch, slice_store):
    code, out, _ = _cli(capsys, monkeypatch, "runs", "list", "--store", str(slice_store))
    assert code == 0
    _assert_readable(out)
    lines = out.splitlines()
    assert lines[0] == "33 runs, newest first"
    table_rows = [line for line in lines if re.match(r"^[0-9a-f]{7,} ", line)]
    # Newest first: the interrupted run (started last) heads the table and shows its
    # last epoch's figures, not blanks.
    assert table_rows[0].split()[1:3] == ["cut", "short"]
    assert "interrupted" in table_rows[0] and "0.3912" in table_rows[0] and "0.3877" in table_rows[0]
    header = next(line for line in lines if line.startswith("id "))
    assert "name" in header and "status" in header
    # Every run's row is whole: its id, its name, its four figures.
    assert len(table_rows) == 33
    with RunStore(slice_store) as store:
        for run in store.runs(sweep="seed004_slice"):
            (row,) = [line for line in table_rows if line.startswith(run.id[:7])]
            kept = run.summary["final_eval"]
            assert row.split()[1] == "seed004_slice"
            assert row.split()[-3:] == [f"{kept['val/acc']:.4f}", f"{kept['test/acc']:.4f}", f"{kept['test/loss']:.3f}"]


def test_sweep_list_with_columns_fits_80_columns_and_shows_whole_values(capsys, monkeypatch, slice_store):
    code, out, _ = _cli(capsys, monkeypatch, "runs", "list", "--sweep", "seed004_slice", "--columns", SLICE_COLUMNS,
                        "--sort", "test/acc", "--store", str(slice_store))
    assert code == 0
    _assert_readable(out)
    for value in ("kaiming_normal", "xavier_normal", "tanh", "relu", "[100, 100]"):
        assert value in out
    # Config keys by their last part, explained under the table.
    assert "init = model.init" in out and "lr = optimizer.lr" in out
    # The constant columns moved under the table instead of taking width.
    assert "same in every row: name seed004_slice, status completed" in out
    with RunStore(slice_store) as store:
        best = max(run.summary["final_eval"]["test/acc"] for run in store.runs(sweep="seed004_slice"))
    first_row = out.split("\n\n")[0] if "\n\n" in out else out.splitlines()[3]
    assert f"test acc {best:.4f}" in first_row or f"{best:.4f}" in first_row


def test_sort_started_ascending_gives_the_oldest_first(capsys, monkeypatch, slice_store):
    code, out, _ = _cli(capsys, monkeypatch, "runs", "list", "--sort", "started", "--ascending", "--limit", "3",
                        "--store", str(slice_store))
    with RunStore(slice_store) as store:
        oldest = store.runs()[0].id
    assert code == 0 and "3 runs (of 33), by started" in out
    lines = out.splitlines()
    first_row = lines[next(index for index, line in enumerate(lines) if line.startswith("─")) + 1]
    assert first_row.startswith(oldest[:7])


def test_group_by_prints_mean_std_and_n(capsys, monkeypatch, slice_store):
    code, out, _ = _cli(capsys, monkeypatch, "runs", "list", "--sweep", "seed004_slice", "--group-by", "lr",
                        "--store", str(slice_store))
    assert code == 0
    _assert_readable(out)
    with RunStore(slice_store) as store:
        runs = store.runs(sweep="seed004_slice")
    stats = [mean_and_std([run.summary["final_eval"]["test/acc"] for run in runs if run.config["optimizer"]["lr"] == lr])
             for lr in (0.1, 0.01)]
    assert [count for _, _, count in stats] == [16, 16]
    for cell in mean_std_column(stats):
        assert re.search(r"\d\.\d+ ± \d\.\d+", cell) and cell in out
    assert "32 runs in 2 groups by optimizer.lr" in out


def test_compare_table_and_grouped_table_fit_80_columns(tmp_path):
    import torch

    from reglab.compare.table import comparison_table, grouped_comparison_table, progress_line
    from reglab.config import load_config
    from reglab.engine.run import Run

    runs = []
    for index, name in enumerate(["plain", "weight decay 5e-4", "batchnorm + dropout", "E_opt early stopping"] * 2):
        model = torch.nn.Linear(4, 3)
        torch.nn.init.constant_(model.weight, 0.1 * (index + 1))
        history = [{"epoch": epoch, "train/acc": 0.9 + 0.01 * epoch, "val/acc": 0.95, "test/acc": 0.9721,
                    "test/loss": 0.1} for epoch in (1, 2, 3)]
        summary = {"final_eval": {"val/acc": 0.9444, "test/acc": 0.9582 + index / 1000, "test/loss": 0.15},
                   "best_epoch": 2, "time/total": 1.25 + index}
        config = load_config(overrides=[("name", name), ("seed", index // 4)])
        runs.append(Run(f"{index:02d}ab34cd56ef", name, "completed", config, model, history, summary))
    table = render_table(comparison_table(runs, "seed000-lab"), 80)
    _assert_readable(table)
    assert "0.9582" in table and "E_opt early stopping" in table.replace("\n", " ") or "E_opt" in table
    # The run's line and the table show the same test accuracy, labelled.
    assert "weights kept: test acc 0.9582, test loss 0.1500" in progress_line(runs[0])
    assert "0.9721" not in table
    grouped = render_table(grouped_comparison_table(runs, "seeds"), 80)
    _assert_readable(grouped)
    (cell,) = mean_std_column([mean_and_std([0.9582, 0.9622])])
    assert cell == "0.9602 ± 0.0028" and cell in grouped


def test_vary_names_show_their_keys_by_short_names_and_say_so(tmp_path):
    import torch

    from reglab.compare.table import comparison_table
    from reglab.compare.vary import vary_variants
    from reglab.config import load_config
    from reglab.engine.run import Run

    labels = [variant.label for variant in vary_variants(["optimizer.lr=0.1,0.01", "regularization.l2=0,0.001"])]
    assert labels[1] == "optimizer.lr=0.1, regularization.l2=0.001"
    runs = []
    for index, name in enumerate(labels):
        history = [{"epoch": 1, "train/acc": 0.9, "val/acc": 0.95, "test/acc": 0.9 + index / 100, "test/loss": 0.1}]
        runs.append(Run(f"{index:02d}ab34cd56ef", name, "completed", load_config(overrides=[("name", name)]),
                        torch.nn.Linear(4, 3), history, {"best_epoch": 1, "time/total": 1.0}))
    table = render_table(comparison_table(runs, "grid"), 80)
    _assert_readable(table)
    rows = [line for line in table.splitlines() if re.match(r"lr=", line)]
    assert [row.split("  ")[0] for row in rows] == ["lr=0.1, l2=0", "lr=0.1, l2=0.001", "lr=0.01, l2=0", "lr=0.01, l2=0.001"]
    assert "run names: lr = optimizer.lr, l2 = regularization.l2" in table
    # a value with ", " inside (a list) stays whole; keys that would clash keep their prefix
    assert shown_names(["model.dropout=0.1, augment.dropout=0.2, model.hidden=[64, 32]"]) == (
        ["model.dropout=0.1, augment.dropout=0.2, hidden=[64, 32]"], ["run names: hidden = model.hidden"])
    assert shown_names(["plain", "weight decay 5e-4"]) == (["plain", "weight decay 5e-4"], [])
    # `reglab runs list` shows them so too
    listed = render_table(runs_table([{"id": f"{index:02d}ab34cd56ef", "name": name, "status": "completed"}
                                      for index, name in enumerate(labels)], [], "runs"), 80)
    assert "lr=0.01, l2=0.001" in listed and "run names: lr = optimizer.lr, l2 = regularization.l2" in listed


def test_runs_show_prints_config_differences_summary_and_history(capsys, monkeypatch, slice_store):
    with RunStore(slice_store) as store:
        run = store.runs(sweep="seed004_slice")[0]
    code, out, _ = _cli(capsys, monkeypatch, "runs", "show", run.id[:8], "--store", str(slice_store))
    assert code == 0
    _assert_readable(out)
    assert "config: " in out and "keys differ from the defaults" in out
    assert re.search(r"model\.init\s+xavier_normal\s+", out)
    assert re.search(r"epochs\s+5\s+10", out)
    assert "summary" in out and "best_epoch: 3" in out
    assert "history (3 epochs)" in out
    assert re.search(r"^\s+3\s", out, re.MULTILINE)


def test_runs_tag_and_delete(capsys, monkeypatch, slice_store):
    with RunStore(slice_store) as store:
        first, second = [run.id for run in store.runs(sweep="seed004_slice")[:2]]
    code, out, _ = _cli(capsys, monkeypatch, "runs", "tag", first[:8], "baseline", "--store", str(slice_store))
    assert code == 0 and f"{first}: tagged 'baseline'" in out
    code, out, _ = _cli(capsys, monkeypatch, "runs", "list", "--tag", "baseline", "--store", str(slice_store), width=200)
    assert code == 0 and out.startswith("1 run,") and first[:7] in out and "baseline" in out

    folder = slice_store / "runs" / second
    assert folder.is_dir()
    code, out, _ = _cli(capsys, monkeypatch, "runs", "delete", second[:8], "--store", str(slice_store), stdin="n\n")
    assert code == 0 and "nothing deleted" in out and folder.is_dir()
    code, out, _ = _cli(capsys, monkeypatch, "runs", "delete", first, second, "--store", str(slice_store), stdin="y\n")
    assert code == 0 and "deleted 2 runs" in out
    with RunStore(slice_store) as store:
        assert store.get_run(first) is None and store.get_run(second) is None
        assert store.history(first) == []
        assert len(store.runs()) == 31
        assert store._connection.execute("SELECT COUNT(*) FROM tags").fetchone()[0] == 0
    assert not folder.exists()
    code, _, err = _cli(capsys, monkeypatch, "runs", "delete", "zzzz", "--yes", "--store", str(slice_store))
    assert code == 2 and err.startswith("error: run id: got 'zzzz'")


def test_ambiguous_prefix_names_the_matches(capsys, monkeypatch, store_dir):
    with RunStore(store_dir) as store:
        ids = [store.start_run("a", {"seed": 0}) for _ in range(40)]
    prefix = next(run_id[0] for run_id in ids if sum(other[0] == run_id[0] for other in ids) > 1)
    code, _, err = _cli(capsys, monkeypatch, "runs", "show", prefix, "--store", str(store_dir))
    assert code == 2 and f"run id: got '{prefix}';" in err and "ambiguous: matches" in err


def test_table_falls_back_to_one_block_per_row_without_cutting():
    columns = [Column("id", ["3f2a91c0", "9b1c22d4"], align="left", identity=True, optional=False)]
    columns += [Column(f"metric/number{index}", ["0.9611", "0.9722"], optional=False) for index in range(12)]
    text = render_table(TextTable(columns, "wide"), 80)
    _assert_readable(text)
    blocks = text.split("\n\n")
    assert blocks[0].splitlines()[1] == "3f2a91c0" and blocks[1].splitlines()[0] == "9b1c22d4"
    assert text.count("metric/number11 0.9") == 2


def test_names_stay_whole_when_one_space_gaps_make_room_and_headers_then_break_at_spaces():
    """The demo's table at 80 columns: with two-space gaps "weight decay 5e-4" would wrap;
    one-space gaps fit it whole, and no header line runs two columns' words together."""
    names = ["plain", "weight decay 5e-4", "batchnorm", "batchnorm + dropout"]
    columns = [Column("run", names, align="left", wrap=True, identity=True, optional=False),
               Column("id", ["7f352a87", "d128c748", "ad34b3ef", "c4545ece"], align="left", optional=False)]
    columns += [Column(header, ["0.9235", "0.8964", "0.9521", "0.9150"], optional=False)
                for header in ("train acc", "val acc", "test acc", "test loss")]
    columns += [Column("‖θ‖₂", ["12.41", "12.72", "16.48", "17.12"], optional=False),
                Column("best epoch", ["4", "5", "3", "5"], optional=False),
                Column("seconds", ["0.1813", "0.1532", "0.2051", "0.2255"], optional=False)]
    text = render_table(TextTable(columns, "seed 000 lab on digits"), 80)
    _assert_readable(text)
    lines = text.splitlines()
    assert lines[1].split() == ["train", "val", "test", "test", "best"]
    assert lines[2].split() == ["run", "id", "acc", "acc", "acc", "loss", "‖θ‖₂", "epoch", "seconds"]
    assert [line[:20].rstrip() for line in lines[4:]] == names
    assert lines[5] == "weight decay 5e-4   d128c748 0.8964 0.8964 0.8964 0.8964 12.72     5  0.1532"
    # with room for two-space gaps the headers keep their spaces
    assert "train acc" in render_table(TextTable(columns, ""), 120)


def test_short_names_and_ids():
    assert short_names(["optimizer.lr", "regularization.l2", "model.dropout", "augment.dropout"]) == {
        "optimizer.lr": "lr", "regularization.l2": "l2", "model.dropout": "model.dropout",
        "augment.dropout": "augment.dropout"}
    assert short_names(["optimizer.epochs"], taken=["epochs"]) == {"optimizer.epochs": "optimizer.epochs"}
    assert short_ids(["abcdef012345", "abcdef019999", "ffff00001111"]) == {
        "abcdef012345": "abcdef012", "abcdef019999": "abcdef019", "ffff00001111": "ffff000"}


def test_one_number_format_per_column():
    assert format_column([0.96, 1, 0.9583]) == ["0.9600", "1.0000", "0.9583"]
    assert format_column([3, 40, None]) == ["3", "40", "–"]
    assert format_column([14.3, 2.53, 0.1234]) == ["14.30", "2.53", "0.12"]
    assert format_column([0.0004, 0.2]) == ["4.000e-04", "2.000e-01"]
    assert column_formatter([float("nan"), 0.5])(float("nan")) == "nan"
    assert mean_std_column([(0.9612, 0.0042, 3), (0.95, float("nan"), 1), (float("nan"), float("nan"), 0)]) == [
        "0.9612 ± 0.0042", "0.9500", "–"]


def test_group_by_name_puts_each_config_name_on_one_row(capsys, monkeypatch, slice_store):
    code, out, _ = _cli(capsys, monkeypatch, "runs", "list", "--group-by", "name", "--store", str(slice_store))
    assert code == 0
    _assert_readable(out)
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith(("seed004_slice ", "cut "))}
    assert set(rows) == {"seed004_slice", "cut"}
    assert rows["seed004_slice"].split()[1] == "32" and "±" in rows["seed004_slice"]
    # One run: its value alone, to the decimals of the column (test acc 0.3877 → 0.388).
    assert rows["cut"].split()[2] == "1" and "±" not in rows["cut"] and " 0.388 " in rows["cut"]
    assert "33 runs in 2 groups by name" in out


def test_a_long_title_and_notes_wrap_to_the_width_with_or_without_rows():
    title = "sweep fantastic-measures: 38 measures over 1296 runs, gap = train acc − test acc (last epoch)"
    note = "τ: Kendall's τ of measure and gap over all runs; Ψ: granulated τ, the mean over hyperparameters"
    for rows in (["3f2a"], []):
        text = render_table(TextTable([Column("id", rows, align="left")], title, notes=[note]), 80)
        assert max(len(line) for line in text.splitlines()) <= 80
        assert " ".join(text.split()).startswith(" ".join(title.split()))  # every word kept, in order
