"""The `reglab` command: train, runs list/show/export, datasets, demo, one-line errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import torch

from reglab.store import RunStore
from tests.cli.cli_helpers import run_cli

TINY = ["--set", "data.train_size=150", "--set", "model.hidden=[8]", "--set", "epochs=2", "--set", "device=cpu"]




def test_train_json_prints_one_summary_object(capsys, store_dir):
    code, out, _ = run_cli(capsys, "train", *TINY, "--store", str(store_dir), "--json")
    assert code == 0
    summary = json.loads(out)
    assert set(summary) == {"id", "name", "status", "epochs", "best_epoch", "metrics", "store"}
    assert summary["status"] == "completed" and summary["epochs"] == 2
    assert {"train/loss", "val/acc", "test/acc", "lr", "time/epoch"} <= set(summary["metrics"])


def test_train_prints_seed000_epoch_lines(capsys, store_dir, monkeypatch):
    """One line per epoch, however narrow the terminal (a log is read line by line)."""
    monkeypatch.setenv("COLUMNS", "60")
    code, out, _ = run_cli(capsys, "train", *TINY, "--store", str(store_dir))
    assert code == 0
    epochs = [line for line in out.splitlines() if line.startswith("Epoch ")]
    number = r"[0-9]+\.[0-9]+"
    assert len(epochs) == 2
    for epoch, line in enumerate(epochs, start=1):
        assert re.fullmatch(rf"Epoch {epoch} completed\. Loss - total: {number} - average: {number}; "
                            rf"Performance: {number} \| val loss {number} acc {number}", line), line
    assert "weight decay on" in out


def test_quiet_prints_only_the_run_id(capsys, store_dir):
    from reglab.store import RunStore

    code, out, _ = run_cli(capsys, "train", *TINY, "--store", str(store_dir), "--quiet")
    with RunStore(store_dir) as store:
        (run,) = store.runs()
    assert code == 0 and out == f"{run.id}\n"


def test_train_from_yaml_file(capsys, store_dir, tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("name: from-file\nepochs: 1\ndevice: cpu\ndata:\n  train_size: 100\nmodel:\n  hidden: [8]\n")
    code, out, _ = run_cli(capsys, "train", str(path), "--store", str(store_dir), "--json")
    assert code == 0 and json.loads(out)["name"] == "from-file"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--set", "optimizer.lr=-1"], "optimizer.lr: got -1; allowed: greater than 0"),
        (["--set", "model.dropout=1.5"], "model.dropout: got 1.5"),
        (["--set", "data.dataset=nope"], "data.dataset: got 'nope'"),
        (["--set", "epochs"], "--set: got 'epochs'"),
        (["--set", "optimiser.lr=0.1"], "optimiser: got"),
        (["--set", "data.dataset=mnist", "--set", "data.root=/nonexistent"], "data.root"),
        (["--bogus"], "No such option: --bogus"),
        (["missing.yaml"], "config: got 'missing.yaml'; allowed: an existing YAML file"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_stored(capsys, store_dir, args, fragment):
    code, out, err = run_cli(capsys, "train", *args, "--store", str(store_dir))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert fragment in err
    assert "Traceback" not in err + out
    assert not (store_dir / "reglab.db").exists()


def test_real_process_exit_code_and_no_traceback(store_dir):
    result = subprocess.run(
        [sys.executable, "-m", "reglab", "train", "--set", "optimizer.lr=0", "--store", str(store_dir)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "error: optimizer.lr: got 0; allowed: greater than 0"
    assert not store_dir.exists() or not (store_dir / "reglab.db").exists()


def test_runs_list_show_export(capsys, store_dir, tmp_path):
    for lr in ("0.05", "0.2"):
        run_cli(capsys, "train", *TINY, "--set", f"optimizer.lr={lr}", "--store", str(store_dir), "--quiet")
    code, out, _ = run_cli(capsys, "runs", "list", "--store", str(store_dir), "--sort", "test/acc", "--limit", "5")
    assert code == 0 and "2 runs" in out and "completed" in out

    code, out, _ = run_cli(capsys, "runs", "export", "--format", "json", "--store", str(store_dir))
    rows = json.loads(out)
    assert sorted(row["optimizer.lr"] for row in rows) == [0.05, 0.2]
    assert all("test/acc" in row and row["status"] == "completed" for row in rows)

    target = tmp_path / "runs.csv"
    code, _, _ = run_cli(capsys, "runs", "export", "--format", "csv", "--out", str(target), "--store", str(store_dir))
    lines = target.read_text().splitlines()
    assert code == 0 and len(lines) == 3 and "optimizer.lr" in lines[0] and "test/acc" in lines[0]

    code, out, _ = run_cli(capsys, "runs", "show", rows[0]["id"][:6], "--json", "--store", str(store_dir))
    shown = json.loads(out)
    assert code == 0 and shown["id"] == rows[0]["id"]
    assert [row["epoch"] for row in shown["history"]] == [1, 2]
    assert shown["config"]["optimizer"]["lr"] in (0.05, 0.2)

    code, _, err = run_cli(capsys, "runs", "show", "zzzz", "--store", str(store_dir))
    assert code == 2 and "run id: got 'zzzz'" in err
    code, _, err = run_cli(capsys, "runs", "list", "--sort", "no/such", "--store", str(store_dir))
    assert code == 2 and "--sort: got 'no/such'" in err
    code, _, err = run_cli(capsys, "runs", "export", "--format", "xml", "--store", str(store_dir))
    assert code == 2 and "--format: got 'xml'; allowed: csv, json" in err


def test_reading_a_missing_store_is_an_error_not_a_new_store(capsys, tmp_path):
    code, _, err = run_cli(capsys, "runs", "list", "--store", str(tmp_path / "none"))
    assert code == 2 and "no run store" in err
    assert not (tmp_path / "none").exists()


def test_datasets_table(capsys):
    code, out, _ = run_cli(capsys, "datasets")
    assert code == 0
    for name in ("digits", "mnist1d", "symmetry", "toy_regression", "moons", "circles", "mnist", "cifar10", "imagefolder"):
        assert name in out


def test_demo_trains_four_variants(capsys, store_dir):
    code, out, _ = run_cli(capsys, "demo", "--epochs", "2", "--store", str(store_dir))
    assert code == 0
    for label in ("plain", "weight decay 5e-4", "batchnorm", "batchnorm + dropout"):
        assert label in out
    assert f"runs stored in {store_dir}" in out.replace("\n", "")


@pytest.mark.parametrize(("given", "expected"), [([], 1), (["--threads", "2"], 2)])
def test_demo_trains_with_one_torch_thread_unless_told(capsys, store_dir, given, expected):
    """As `reglab compare`: tiny networks are overhead-bound, and two OpenMP threads on
    shared cores were measured many times slower than one."""
    torch.set_num_threads(2)  # as a fresh process on two cores starts (the fixture restores it)
    code, _, _ = run_cli(capsys, "demo", "--epochs", "1", *given, "--store", str(store_dir))
    assert code == 0
    assert [run.threads for run in RunStore(store_dir).runs()] == [expected] * 4


@pytest.mark.parametrize("command", [[], ["runs"]])
def test_command_lists_fit_80_columns_without_cut_descriptions(capsys, monkeypatch, command):
    """Click cuts a command's first docstring line with '...' when it is too long for the
    terminal: every command carries a short help that fits 80 columns whole."""
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run_cli(capsys, *command, "--help")
    listed = out.split("Commands:")[1].strip().splitlines()
    assert code == 0 and len(listed) == (9 if not command else 5)
    for line in listed:
        assert len(line) <= 80 and not line.endswith("...") and len(line.split(None, 1)) == 2, line


@pytest.mark.parametrize("arguments", [["runs", "show", "\udcff\udcfe"], ["runs", "list", "--sweep", "caf\udce9"],
                                       ["train", "--set", "name=r\udc80"]])
def test_an_argument_that_is_not_utf8_is_one_line_and_exit_2(capsys, store_dir, arguments):
    """Bytes that are not UTF-8 reach Python as lone surrogates (as `reglab runs show $'\\xff'`
    passes them), which SQLite and JSON cannot encode: refused before the command starts."""
    code, out, err = run_cli(capsys, *arguments, "--store", str(store_dir))
    escaped = arguments[-1].encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    assert (code, out) == (2, "")
    assert err == f"error: argument: got '{escaped}'; allowed: UTF-8 text (these bytes are not)\n"
    assert not store_dir.exists()
