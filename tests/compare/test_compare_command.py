"""`reglab compare`: trains, writes the report, prints its path; bad input writes nothing."""

from __future__ import annotations

import pytest

from reglab.cli import main
from reglab.store import RunStore

TINY = ["--set", "epochs=1", "--set", "data.train_size=100", "--set", "model.hidden=[8]", "--set", "device=cpu"]


def test_compare_vary_writes_report_and_prints_its_path(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = tmp_path / "cmp.html"
    main(["compare", "--vary", "optimizer.lr=0.1,0.01", *TINY, "--out", str(out), "--store", str(tmp_path / "s")])
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[-1] == str(out)
    # The table fits 80 columns with every run's name and id whole.
    assert all(len(line) <= 80 for line in printed[:-1]) and "…" not in "".join(printed)
    table = "\n".join(printed)
    for run in RunStore(tmp_path / "s").runs():
        assert run.name in table and run.id[:8] in table
    assert printed[0] == "reglab compare: optimizer.lr=0.1,0.01: 2 runs"
    assert [run.name for run in RunStore(tmp_path / "s").runs()] == ["optimizer.lr=0.1", "optimizer.lr=0.01"]
    assert "<h1>reglab compare: optimizer.lr=0.1,0.01</h1>" in out.read_text()


def test_quiet_prints_only_the_default_report_path(tmp_path, capsys):
    main(["compare", "--vary", "model.dropout=0.0,0.5", *TINY, "--quiet", "--store", str(tmp_path / "s")])
    (line,) = capsys.readouterr().out.strip().splitlines()
    assert line.startswith(str(tmp_path / "s" / "reports")) and line.endswith(".html")


def test_list_presets(capsys):
    main(["compare", "--list"])
    out = capsys.readouterr().out
    assert "rethinking-generalization" in out and "rumelhart-1986" in out


@pytest.mark.parametrize(
    ("arguments", "start"),
    [
        (["--vary", "optimizer.lr"], "error: --vary: got 'optimizer.lr'; allowed: KEY=V1,V2"),
        (["--preset", "nope"], "error: --preset: got 'nope'; allowed: seed000-lab"),
        ([], "error: compare: got 'nothing to compare'"),
        (["--vary", "optimizer.lr=0.1", "--out", "{tmp}/r.pdf"], "error: --out: got"),
        (["--vary", "optimizer.lr=0.1", "--backend", "gpu"], "error: --backend: got 'gpu'; allowed: sequential | population"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, arguments, start):
    arguments = [argument.format(tmp=tmp_path) for argument in arguments]
    with pytest.raises(SystemExit) as exit_:
        main(["compare", *arguments, "--store", str(tmp_path / "s")])
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith(start) and error.count("\n") == 1
    assert not (tmp_path / "s").exists()


def test_analyze_adds_the_trajectory_figures(tmp_path, capsys):
    out = tmp_path / "cmp.html"
    main(["compare", "--vary", "optimizer.weight_decay=0.0,0.01", *TINY, "--set", "epochs=3",
          "--set", "trajectory.snapshot_epochs={every: 1}", "--analyze", "--quiet", "--out", str(out),
          "--store", str(tmp_path / "s")])
    text = out.read_text()
    for run in RunStore(tmp_path / "s").runs():
        for kind in ("pca-path", "interpolation", "loss-surface", "weight-histograms"):
            assert f'<figure id="{kind}-{run.id}">' in text


def test_seeds_repeat_every_config_and_print_mean_and_std(tmp_path, capsys, monkeypatch):
    from reglab.formatting import mean_and_std, mean_std_column

    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(tmp_path)  # short paths: the report's path is printed whole
    out = tmp_path / "cmp.html"
    main(["compare", "--vary", "optimizer.lr=0.1,0.01", "--seeds", "2", *TINY, "--out", "cmp.html", "--store", "s"])
    printed = capsys.readouterr().out
    runs = RunStore(tmp_path / "s").runs()
    assert [(run.name, run.config["seed"]) for run in runs] == [
        ("optimizer.lr=0.1", 0), ("optimizer.lr=0.1", 1), ("optimizer.lr=0.01", 0), ("optimizer.lr=0.01", 1)]
    assert all(len(line) <= 80 for line in printed.splitlines())
    stats = [mean_and_std([run.summary["final_eval"]["test/acc"] for run in runs if run.config["optimizer"]["lr"] == lr])
             for lr in (0.1, 0.01)]
    for cell in mean_std_column(stats):
        assert cell in printed
    # Each run's line names which weights its figures belong to.
    assert " ".join(printed.split()).count("; weights kept: test acc") == 4
    assert '<h2 id="seeds">Configs over seeds</h2>' in out.read_text()
