"""The HTML report: tables, escaped text, embedded images, default path, figure files."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ElementTree

from reglab.report import ReportNote, load_report_runs, report_figures, write_figures, write_report
from tests.report.conftest import make_history, store_run, tiny_state

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _two_runs(store):
    return [
        store_run(store, "plain", make_history(1.0), snapshots={0: tiny_state(0, 0.3), 6: tiny_state(1)}),
        store_run(store, "weight <decay>", make_history(0.5, sparsity=0.3), [("optimizer.weight_decay", 5e-4)]),
    ]


def test_report_holds_tables_notes_and_every_figure_as_png(store, tmp_path):
    ids = _two_runs(store)
    path = write_report(store, ids, tmp_path / "r.html", "my <report>", [ReportNote("Weights", "a  b\nc", True)])
    text = path.read_text()
    assert text.startswith("<!DOCTYPE html>") and "<title>my &lt;report&gt;</title>" in text
    assert "weight &lt;decay&gt;" in text and "weight <decay>" not in text
    assert "<pre>a  b\nc</pre>" in text
    assert '<td><span class="word">optimizer.weight_decay</span></td><td>0</td><td>0.0005</td>' in text
    assert "<td>0.9800</td>" in text  # final train acc, in its column's format
    assert "Configs over seeds" not in text  # no config repeats over seeds
    sources = re.findall(r'<img src="data:image/png;base64,([^"]+)"', text)
    expected = [figure.key for figure in report_figures(load_report_runs(store, ids))]
    assert len(sources) == len(expected) == 9
    assert all(base64.b64decode(source).startswith(PNG_SIGNATURE) for source in sources)
    assert re.findall(r'<figure id="([^"]+)"', text) == expected
    assert "http://" not in text and "https://" not in text  # nothing to fetch


def test_default_path_is_under_the_store_reports_folder(store):
    path = write_report(store, [store_run(store, "a", make_history())], title="a b/c")
    assert path.parent == store.directory / "reports" and path.name.startswith("a-b-c-") and path.suffix == ".html"


def test_figures_written_as_png_and_valid_svg(store, tmp_path):
    write_figures(report_figures(load_report_runs(store, _two_runs(store))), tmp_path / "figures")
    pngs = sorted(path.stem for path in (tmp_path / "figures").glob("*.png"))
    svgs = sorted(path.stem for path in (tmp_path / "figures").glob("*.svg"))
    assert pngs == svgs and "parameter-norm" in pngs and len(pngs) == 9
    root = ElementTree.parse(tmp_path / "figures" / "layer-norms.svg").getroot()
    assert root.tag.endswith("svg")
    assert "Frobenius norm" in (tmp_path / "figures" / "layer-norms.svg").read_text()  # text kept as text


def test_every_metric_column_has_one_number_format(store):
    from reglab.report.tables import FINAL_COLUMNS, metrics_rows

    history = make_history(1.0)
    history[-1]["train/acc"] = 1.0
    runs = load_report_runs(store, [store_run(store, "a", history), store_run(store, "b", make_history(0.5))])
    header, rows = metrics_rows(runs, FINAL_COLUMNS)
    for index in range(4, len(header)):
        decimals = {len(row[index].split(".")[1]) if "." in row[index] else 0 for row in rows}
        assert len(decimals) == 1, (header[index], [row[index] for row in rows])
    assert rows[0][header.index("train acc (last epoch)")] == "1.0000"


def test_configs_over_seeds_get_a_mean_and_std_table(store, tmp_path):
    from reglab.formatting import mean_and_std, mean_std_column

    ids = [store_run(store, "plain", make_history(1.0 + seed / 10), [("seed", seed)]) for seed in range(3)]
    ids.append(store_run(store, "alone", make_history(1.0)))
    text = write_report(store, ids, tmp_path / "r.html").read_text()
    assert '<h2 id="seeds">Configs over seeds</h2>' in text
    norms = [run.last("param/l2/total") for run in load_report_runs(store, ids[:3])]
    (cell,) = mean_std_column([mean_and_std(norms)])
    assert '<td><span class="word">plain</span></td><td>3</td><td>0, 1, 2</td>' in text and f"<td>{cell}</td>" in text


def test_a_run_that_kept_an_earlier_epoch_shows_the_kept_figure(store, tmp_path):
    from reglab.engine.summary import summarize

    history = make_history(1.0)
    run_id = store_run(store, "E_opt", history)
    # E_opt: the run restored epoch 4, whose test accuracy (0.65) is not the last epoch's (0.75).
    store.finish_run(run_id, "completed", summarize(history, "completed", {"final_eval": {"test/acc": 0.65}}))
    text = write_report(store, [run_id], tmp_path / "r.html").read_text()
    assert "<th>test acc (weights kept)</th>" in text
    from reglab.report.tables import FINAL_COLUMNS, metrics_rows

    header, (row,) = metrics_rows(load_report_runs(store, [run_id]), FINAL_COLUMNS)
    assert row[header.index("test acc (weights kept)")] == "0.6500"  # not the last epoch's 0.75
    assert row[header.index("test loss (weights kept)")] == f"{history[-1]['test/loss']:.4f}"  # none kept: last epoch


def test_vary_run_names_show_their_short_keys_and_wrap_only_between_words(store, tmp_path):
    """`compare --vary` names read as in `reglab compare`'s table (`l2=1e-4`), with the line
    saying what the short keys stand for; a narrow column had broken `l2=1e-` / `4`."""
    names = ["regularization.l2=0, model.dropout=0.5", "regularization.l2=1e-4, model.dropout=0.5"]
    ids = [store_run(store, name, make_history(1.0 - index / 4), [("regularization.l2", l2), ("model.dropout", 0.5)])
           for index, (name, l2) in enumerate(zip(names, (0.0, 1e-4)))]
    text = write_report(store, ids, tmp_path / "vary.html", "vary").read_text()
    assert '<td><span class="word">l2=1e-4,</span> <span class="word">dropout=0.5</span></td>' in text
    assert '<p class="meta" id="run-names">run names: l2 = regularization.l2, dropout = model.dropout</p>' in text
    assert "<th>l2=0, dropout=0.5</th><th>l2=1e-4, dropout=0.5</th>" in text  # config differences
    assert "td + td, .word { white-space: nowrap; }" in text


def test_beside_the_id_column_a_run_is_named_without_its_id_suffix(store):
    from reglab.report.tables import BEST_COLUMNS, metrics_rows

    ids = [store_run(store, "ticket", make_history(1.0 + seed / 10), [("seed", seed)]) for seed in range(2)]
    runs = load_report_runs(store, ids)
    _, final = metrics_rows(runs)
    assert [row[:2] for row in final] == [["ticket", ids[0]], ["ticket", ids[1]]]
    _, best = metrics_rows(runs, BEST_COLUMNS, identity=False)
    assert [row[0] for row in best] == [f"ticket ({ids[0][:6]})", f"ticket ({ids[1][:6]})"]


def test_the_stop_reason_reads_its_value_in_the_format_of_the_tables(store):
    """The early-stopping rule writes 'val/acc = 0.868056' beside a val acc column of 0.8000."""
    from reglab.engine.summary import summarize
    from reglab.report.tables import BEST_COLUMNS, metrics_rows
    from tests.report.conftest import early_stopping_reason

    reason = early_stopping_reason([0.868, 0.8681, 0.868056])
    assert reason == "patience fired after epoch 3 (val/acc = 0.868056)"  # as the callback writes it
    history = make_history()
    stopped = store_run(store, "stopped", history)
    store.finish_run(stopped, "stopped_early", summarize(history, "stopped_early", {"stop_reason": reason}))
    plain = store_run(store, "plain", make_history())
    header, rows = metrics_rows(load_report_runs(store, [stopped, plain]), BEST_COLUMNS, identity=False)
    assert [row[header.index("val acc")] for row in rows] == ["0.8000", "0.8000"]
    assert [row[header.index("stop reason")] for row in rows] == ["patience fired after epoch 3 (val/acc = 0.8681)", "–"]
