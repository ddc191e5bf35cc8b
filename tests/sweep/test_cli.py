"""`reglab sweep`: bad input is one line with exit 2 and writes nothing; a good sweep prints its summary."""

from __future__ import annotations

import pytest
import yaml

from reglab.cli import main


def run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    return exit_.value.code


@pytest.mark.parametrize(
    "sweep,extra,message",
    [
        ({"name": "s", "parameters": {"optimizer.lrr": [0.1]}}, [], "optimizer.lrr: got 0.1"),
        ({"name": "s", "parameters": {"optimizer.lr": {"loguniform": [0.1, 0.01]}}}, [], "parameters.optimizer.lr.loguniform"),
        ({"name": "s", "base": {"data": {"dataset": "mnist", "root": "/nonexistent"}}}, [], "data.root: got '/nonexistent'"),
        ({"name": "s"}, ["--backend", "gpu"], "--backend: got 'gpu'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, sweep, extra, message):
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(sweep))
    store = tmp_path / "store"
    assert run(["sweep", str(path), "--store", str(store), *extra]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ") and message in error and "\n" not in error
    assert not store.exists()


def test_a_sweep_prints_its_summary_and_the_table_command(tmp_path, capsys):
    path = tmp_path / "sweep.yaml"
    base = {"epochs": 1, "device": "cpu", "data": {"dataset": "digits", "train_size": 60, "batch_size": 30}, "model": {"hidden": [4]}}
    path.write_text(yaml.safe_dump({"name": "s", "base": base, "parameters": {"seed": [0, 1]}}))
    main(["sweep", str(path), "--store", str(tmp_path / "store"), "-q"])
    out = capsys.readouterr().out
    assert "sweep s: 2 configs, 0 already done, 2 trained now; store holds 2 completed" in out
    assert "reglab runs list --sweep s --sort test/acc" in out
