"""A run whose files were damaged: `report` leaves out the figures it cannot draw (with a
warning) and writes the rest; `analyze` refuses in one line; paths work where stores do."""

from __future__ import annotations

import logging

import pytest

from reglab.cli import main
from reglab.engine.run import train
from reglab.report import write_report
from reglab.report.runs import load_report_runs


@pytest.fixture
def damaged_run(store_dir):
    config = {"epochs": 2, "device": "cpu", "data": {"dataset": "digits", "train_size": 100, "batch_size": 50},
              "model": {"hidden": [8]}, "trajectory": {"enabled": True, "snapshot_epochs": [0, 1, 2]}}
    run = train(config, store=store_dir)
    folder = store_dir / "runs" / run.id
    (folder / "model.safetensors").write_bytes(b"not safetensors" * 10)
    for snapshot in (folder / "snapshots").glob("*.safetensors"):
        snapshot.write_bytes(b"\x00" * 12)
    return run


def test_report_skips_unreadable_figures_with_a_warning(damaged_run, store_dir, tmp_path, caplog, capsys):
    out = tmp_path / "r.html"
    with caplog.at_level(logging.WARNING):
        main(["report", damaged_run.id, "--out", str(out), "--store", str(store_dir)])
    assert out.is_file() and damaged_run.id in out.read_text()
    skipped = [record.getMessage() for record in caplog.records if "skipped" in record.getMessage()]
    assert skipped and all("unreadable" in message for message in skipped)


def test_analyze_refuses_unreadable_weights_in_one_line(damaged_run, store_dir, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["analyze", damaged_run.id, "--store", str(store_dir)])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1
    assert f"runs/{damaged_run.id}/model.safetensors: unreadable (" in err
    assert not (store_dir / "runs" / damaged_run.id / "analysis").exists()


def test_report_functions_take_a_store_folder(damaged_run, store_dir, tmp_path):
    (loaded,) = load_report_runs(str(store_dir), [damaged_run.id[:6]])
    assert loaded.id == damaged_run.id and len(loaded.history) == 2
    assert write_report(store_dir, [damaged_run.id], tmp_path / "p.html").is_file()
