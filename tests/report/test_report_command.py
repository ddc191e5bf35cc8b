"""`reglab report`: writes the file and prints its path; bad ids and paths fail in one line."""

from __future__ import annotations

import pytest

from reglab.cli import main
from tests.report.conftest import make_history, store_run


def test_report_command_writes_html(store, tmp_path, capsys):
    first = store_run(store, "a", make_history())
    second = store_run(store, "b", make_history(0.5))
    out = tmp_path / "report.html"
    main(["report", first[:5], second, "--out", str(out), "--store", str(store.directory), "--figures", str(tmp_path / "f")])
    assert capsys.readouterr().out.strip() == str(out)
    assert out.read_text().count("<img ") == 6  # no sparsity figure: every value is 0
    assert (tmp_path / "f" / "accuracy-per-run.svg").is_file()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nope"], "error: run id: got 'nope'; allowed: the id (or a unique prefix) of a stored run"),
        (["{id}", "--out", "{tmp}/missing/r.html"], "error: --out: got"),
        (["{id}", "--out", "r.txt"], "error: --out: got 'r.txt'; allowed: a file name ending in .html"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(store, tmp_path, capsys, monkeypatch, arguments, message):
    monkeypatch.chdir(tmp_path)  # relative paths: a long value would be shortened in the line
    run_id = store_run(store, "a", make_history())
    arguments = [argument.format(id=run_id, tmp=tmp_path) for argument in arguments]
    with pytest.raises(SystemExit) as exit_:
        main(["report", *arguments, "--store", str(store.directory)])
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith(message.format(tmp=tmp_path)) and error.count("\n") == 1
    assert not (store.directory / "reports").exists()
    assert not list(tmp_path.glob("*.html")) and not list(tmp_path.glob("*.txt"))
