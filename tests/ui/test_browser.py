"""`reglab ui` in headless Chromium: the runs table, a run, a comparison, a sweep, live epochs.

One `reglab ui` process serves a generated store for the whole module; each test opens its
own browser page. Screenshots of every page go to $REGLAB_UI_SCREENSHOTS (or a pytest temp
folder) for a person to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.report.browser import CHROMIUM, CHROMIUM_ARGS
from tests.ui.synthetic_store import write_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (make browser)"),
]

WAIT_MS = 20_000


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("REGLAB_UI_SCREENSHOTS") or tmp_path_factory.mktemp("ui-screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Page:
    """A browser page that records console errors and every request it sends."""

    def __init__(self, browser, base_url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.base_url = base_url
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))

    def open(self, path: str) -> None:
        self.page.goto(self.base_url.rstrip("/") + path, wait_until="load")

    def check(self) -> None:
        """No script errors, and no request went anywhere but the dashboard."""
        assert self.errors == []
        outside = [url for url in self.requests if not url.startswith((self.base_url, "data:", "blob:"))]
        assert outside == []

    def shot(self, folder: Path, name: str) -> Path:
        path = folder / f"{name}.png"
        self.page.wait_for_timeout(300)  # let plotly finish its transitions
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 20_000
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def page(browser, served_store):
    opened = Page(browser, served_store[1].url)
    yield opened
    opened.close()


def row_ids(page: Page) -> list[str]:
    return page.page.eval_on_selector_all("#runs-table tbody tr", "rows => rows.map(row => row.dataset.id)")


def column_values(page: Page, key: str) -> list[str]:
    return page.page.eval_on_selector_all(f'#runs-table tbody td[data-key="{key}"]', "cells => cells.map(cell => cell.textContent)")


def trace_count(page: Page, plot_id: str) -> int:
    page.page.wait_for_function(f"() => document.getElementById('{plot_id}') && document.getElementById('{plot_id}').data")
    return page.page.evaluate(f"document.getElementById('{plot_id}').data.length")


def test_runs_table_lists_every_run(page, served_store, screenshots):
    contents, _ = served_store
    page.open("/")
    page.page.wait_for_selector("#runs-table tbody tr")
    assert sorted(row_ids(page)) == sorted(contents.all_ids)
    assert page.page.text_content("#row-count").startswith("1–15 of 15 runs")
    live_row = page.page.text_content(f'#runs-table tr[data-id="{contents.running_id}"]')
    assert "running" in live_row and re.search(r"epoch \d+ / 10", live_row)
    page.shot(screenshots, "runs")
    page.check()


def test_runs_table_fits_1280_pixels_with_long_config_keys(page, served_store):
    """Config keys head their columns by their short names (as `reglab runs list` prints
    them) and break after '.' or '_'; a run's start takes two lines. Six dotted keys and
    four metrics had made the table 1,882 px wide at 1280."""
    page.page.set_viewport_size({"width": 1280, "height": 900})
    keys = ["data.batch_size", "data.dataset", "early_stopping.alpha", "early_stopping.criterion", "early_stopping.monitor",
            "early_stopping.restore_best", "val/acc", "test/acc", "train/acc", "val/loss"]
    page.open(f"/?columns={','.join(keys)}")
    page.page.wait_for_selector("#runs-table tbody tr")
    headers = page.page.eval_on_selector_all("#runs-table th.key", "cells => cells.map(cell => [cell.dataset.key, cell.textContent])")
    assert headers[:6] == [["data.batch_size", "batch_size"], ["data.dataset", "dataset"], ["early_stopping.alpha", "alpha"],
                           ["early_stopping.criterion", "criterion"], ["early_stopping.monitor", "monitor"],
                           ["early_stopping.restore_best", "restore_best"]]
    assert page.page.text_content("#column-names").startswith("columns: batch_size = data.batch_size, dataset = data.dataset")
    assert page.page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.check()


def test_runs_table_fits_800_pixels_with_name_status_and_metrics_in_view(page, served_store, screenshots):
    """At 800 px the runs table made the whole page scroll sideways (1,067 px): sweep, start
    and duration are left out (the name's tooltip says them) and more columns than fit
    scroll within the table's box."""
    contents, _ = served_store
    page.page.set_viewport_size({"width": 800, "height": 900})
    page.open("/")
    page.page.wait_for_selector("#runs-table tbody tr")
    assert page.page.evaluate("document.documentElement.scrollWidth") <= 800
    shown = page.page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#runs-table thead th')].slice(1).map(
        (th) => [th.dataset.key, getComputedStyle(th).display === 'none' ? null : Math.round(th.getBoundingClientRect().right)]))""")
    box_right = page.page.evaluate("Math.round(document.getElementById('runs-table-box').getBoundingClientRect().right)")
    assert shown["sweep"] is shown["started_at"] is shown["duration_s"] is None
    for key in ("name", "status", "val/acc", "test/acc", "train/acc", "val/loss"):
        assert shown[key] is not None and shown[key] <= box_right <= 800, (key, shown)
    plain = f'#runs-table tr[data-id="{contents.ids["plain"]}"]'
    assert page.page.text_content(f"{plain} .id") == contents.ids["plain"]
    assert page.page.get_attribute(f"{plain} a.run-name", "title").startswith("started 20")
    page.shot(screenshots, "runs-800")

    keys = ["data.batch_size", "data.dataset", "early_stopping.alpha", "early_stopping.criterion", "early_stopping.monitor",
            "early_stopping.restore_best", "optimizer.lr", "optimizer.weight_decay", "seed", "val/acc", "test/acc", "train/acc",
            "val/loss", "train/loss", "test/loss"]
    page.open(f"/?columns={','.join(keys)}")
    page.page.wait_for_selector("#runs-table tbody tr")
    box = page.page.evaluate("(() => { const box = document.getElementById('runs-table-box'); return [box.scrollWidth, box.clientWidth]; })()")
    assert box[0] > 800 > box[1] and page.page.evaluate("document.documentElement.scrollWidth") <= 800  # the box scrolls, not the page
    page.page.set_viewport_size({"width": 1280, "height": 900})
    assert page.page.evaluate("getComputedStyle(document.querySelector('#runs-table th[data-key=sweep]')).display") != "none"
    page.check()


def test_metric_columns_have_one_number_format(page, served_store):
    page.open("/")
    page.page.wait_for_selector("#runs-table tbody tr")
    for key in ("val/acc", "val/loss"):
        cells = [text for text in column_values(page, key) if text != "—"]
        decimals = {len(text.split(".")[1]) for text in cells}
        assert len(decimals) == 1 and len(cells) == 15, (key, cells)
    page.check()


def test_sorting_and_a_key_filter_change_the_rows(page, served_store, screenshots):
    contents, _ = served_store
    page.open("/")
    page.page.wait_for_selector("#runs-table tbody tr")
    before = row_ids(page)
    page.page.click('#runs-table th[data-key="val/acc"]')
    page.page.wait_for_selector('#runs-table th.sorted-desc[data-key="val/acc"]')
    values = [float(text) for text in column_values(page, "val/acc")]
    assert values == sorted(values, reverse=True) and row_ids(page) != before
    page.page.click('#runs-table th[data-key="val/acc"]')
    page.page.wait_for_selector('#runs-table th.sorted-asc[data-key="val/acc"]')
    assert [float(text) for text in column_values(page, "val/acc")] == sorted(values)
    assert "sort=val%2Facc" in page.page.url and "order=asc" in page.page.url  # the view is a link

    page.page.fill("#filter", "optimizer.lr>0.05")
    page.page.press("#filter", "Enter")
    page.page.wait_for_function("() => document.getElementById('row-count').textContent.includes('of 10 runs')")
    expected = [run.id for run in contents.writer.runs() if run.config["optimizer"]["lr"] > 0.05]
    assert sorted(row_ids(page)) == sorted(expected) and len(expected) == 10

    page.page.fill("#filter", "sweep=grid")
    page.page.fill("#group", "optimizer.lr")
    page.page.press("#group", "Enter")
    page.page.wait_for_function("() => document.getElementById('row-count').textContent.startsWith('3 groups of 12 runs')")
    assert "±" in page.page.text_content("#runs-table tbody")
    for column in (3, 4, 5):  # the metrics: one number format per column (0.231 ± 0.0092 beside 0.2312 ± 0.0092 before)
        cells = page.page.eval_on_selector_all(f"#runs-table tbody td:nth-child({column})", "cells => cells.map(cell => cell.textContent)")
        assert len({tuple(len(part.split(".")[1]) for part in cell.split(" ± ")) for cell in cells}) == 1, cells
    page.shot(screenshots, "runs-grouped")

    page.page.fill("#group", "")
    page.page.press("#group", "Enter")
    page.page.wait_for_function("() => document.getElementById('row-count').textContent.includes('of 12 runs')")
    page.page.click("#over-seeds")  # every swept key but the seed: pairs of seeds
    page.page.wait_for_function("() => document.getElementById('row-count').textContent.startsWith('6 groups of 12 runs')")
    assert page.page.input_value("#group") == "optimizer.lr,optimizer.weight_decay"

    page.page.fill("#group", "")
    page.page.fill("#filter", "optimiser.lr>1")
    page.page.press("#filter", "Enter")
    page.page.wait_for_selector("#message .error")
    assert "unknown key 'optimiser.lr'" in page.page.text_content("#message")
    page.errors = [error for error in page.errors if "400" not in error]  # the refused request itself
    page.check()


def test_run_page_shows_curves_trajectory_and_histograms(page, served_store, screenshots):
    contents, _ = served_store
    page.open(f"/runs/{contents.ids['plain']}")
    assert trace_count(page, "plot-loss") == 3 and trace_count(page, "plot-accuracy") == 3 and trace_count(page, "plot-lr") == 1
    assert trace_count(page, "plot-norms") == 5  # four tensors and the total
    for panel in ("plot-distance", "plot-cosine", "plot-sparsity", "plot-gradients", "plot-updates", "plot-batchnorm"):
        assert trace_count(page, panel) >= 2, panel
    assert page.page.evaluate("document.getElementById('plot-loss').data[1].y.length") == 6
    assert trace_count(page, "histogram-0") == 4  # epochs 0, 3, 6 and the final weights
    assert page.page.text_content("#config-changed").count("cpu") == 1
    links = page.page.eval_on_selector_all("#files a", "links => links.map(link => link.getAttribute('href'))")
    assert f"/files/{contents.ids['plain']}/config.yaml" in links
    page.shot(screenshots, "run")
    page.check()


def test_run_page_of_a_pruned_run_draws_the_weights_that_remain_and_says_how_many_are_zero(page, served_store, screenshots):
    from tests.report.conftest import early_stopping_reason
    from tests.ui.synthetic_store import synthetic_history, synthetic_summary, write_pruned_run

    contents, _ = served_store
    run_id = write_pruned_run(contents.writer, "pruned", remaining=0.25)
    summary = synthetic_summary(synthetic_history(6), "stopped_early")
    summary["stop_reason"] = early_stopping_reason([0.868, 0.8681, 0.868056])
    contents.writer.finish_run(run_id, "stopped_early", summary)
    try:
        page.open(f"/runs/{run_id}")
        assert trace_count(page, "histogram-0") == 4
        layers = page.page.evaluate("""() => [...document.querySelectorAll('#histograms .js-plotly-plot')].map((node) => [
            node.layout.title.text, node.data.map((trace) => [trace.name, trace.y.reduce((sum, count) => sum + count, 0)])])""")
        hidden = next(layer for layer in layers if layer[0].startswith("hidden.0.linear.weight"))
        assert "final: 75 % pruned (96 of 128 exactly 0)" in hidden[0]
        assert hidden[1] == [["epoch 0", 128], ["epoch 3 · 37.5 % zero", 80], ["epoch 6 · 75 % zero", 32], ["final · 75 % zero", 32]]
        assert page.page.text_content("#histogram-note").startswith("Weights exactly 0 (pruned) are not drawn")
        # the stop reason's value in the format of the summary table beside it
        assert page.page.text_content("#stop-reason") == "stoppedpatience fired after epoch 3 (val/acc = 0.8681)"
        cells = page.page.eval_on_selector_all("#summary-table tbody td.number", "cells => cells.map(cell => cell.textContent)")
        assert {len(text.split(".")[1]) for text in cells if text} == {4}
        page.shot(screenshots, "run-pruned")
        page.check()
    finally:
        contents.writer.delete_run(run_id)


def test_every_x_axis_title_is_inside_its_figure_also_after_a_resize(page, served_store):
    """The x-axis titles (epoch, weight) were drawn 3 px below the bottom of each figure,
    and a window resize changed every figure's height to that of its box (278 px)."""
    contents, _ = served_store
    page.open(f"/runs/{contents.ids['plain']}")
    page.page.wait_for_selector("#plot-loss .xtitle")
    page.page.wait_for_selector("#histograms .xtitle")
    measure = """() => [...document.querySelectorAll('.js-plotly-plot')].map((node) => {
        const title = node.querySelector('.xtitle'), box = title.getBBox();  // in the figure's units, not clipped
        return [node.id, title.textContent, node._fullLayout.height, node.clientHeight, node.clientHeight - (box.y + box.height)];
    })"""
    placed = page.page.evaluate(measure)
    assert {title for _, title, *_ in placed} == {"epoch", "weight"} and len(placed) >= 10
    assert all(height == 290 and box == 290 and room >= 0 for _, _, height, box, room in placed), placed
    page.page.set_viewport_size({"width": 1000, "height": 600})
    page.page.evaluate("() => Promise.all([...document.querySelectorAll('.js-plotly-plot')].map((node) => Plotly.Plots.resize(node)))")
    resized = page.page.evaluate(measure)
    assert all(height == 290 and box == 290 and room >= 0 for _, _, height, box, room in resized), resized
    page.check()


def test_a_constant_curve_is_drawn_at_its_value_not_on_the_zero_line(page, served_store):
    """A fixed learning rate of 0.01: Plotly alone ranges a constant line over value ± 1."""
    contents, _ = served_store
    page.open(f"/runs/{contents.ids['plain']}")
    ranges = page.page.evaluate("""async () => {
        const ranges = [];
        for (const y of [[0.01, 0.01, 0.01], [0, 0, 0], [0.01, 0.02, 0.04]]) {
            const node = document.createElement("div");
            document.body.append(node);
            await reglab.plot(node, [{x: [1, 2, 3], y, mode: "lines"}], {title: "t"});
            ranges.push(node._fullLayout.yaxis.range);
        }
        return ranges;
    }""")
    assert ranges[0] == pytest.approx([0.005, 0.015])
    assert ranges[1][0] < 0 < ranges[1][1]  # zero keeps Plotly's own range around it
    assert ranges[2][0] < 0.01 and 0.04 < ranges[2][1] < 0.06  # a changing line: Plotly's own autorange


def test_parallel_axes_of_a_weight_decay_grid_with_zero_are_evenly_ticked(page, served_store):
    page.open("/sweeps/grid")
    axes = page.page.evaluate("""() => [
        figures.parallelAxis("optimizer.weight_decay", [0, 0.0001, 0.001, 0.01, 0.001], reglab.format),
        figures.parallelAxis("optimizer.lr", [0.01, 0.1, 1], reglab.format),
        figures.parallelAxis("optimizer.momentum", [0, 0.5, 0.9], reglab.format),
        figures.parallelAxis("model.norm", ["none", "batch"], reglab.format),
        figures.parallelAxis("seed", [1, 0, 1], reglab.format),
    ]""")
    decay, lr, momentum, norm, seed = axes
    assert decay["values"] == [0, 1, 2, 3, 2] and decay["tickvals"] == [0, 1, 2, 3] and len(decay["ticktext"]) == 4
    assert decay["ticktext"][0] == "0" and decay["label"] == "optimizer.weight_decay"
    assert lr["label"] == "log10 optimizer.lr" and lr["values"] == pytest.approx([-2, -1, 0])
    assert momentum == {"label": "optimizer.momentum", "values": [0, 0.5, 0.9]}  # no decades: linear
    assert norm["ticktext"] == ["batch", "none"] and norm["values"] == [1, 0]
    assert seed["tickvals"] == [0, 1] and seed["ticktext"] == ["0", "1"] and seed["values"] == [1, 0, 1]


def test_compare_legends_name_vary_keys_by_their_short_names(page, served_store):
    """`compare --vary` names runs `optimizer.lr=0.1, regularization.l2=0`: the table and the
    legends show the short names the server computed (the terminal tables' rule), the full
    name is the link's tooltip, and a line says what the short keys stand for; the runs'
    lines are drawn thick to thin, and the page fits 800 px."""
    contents, _ = served_store
    names = ["optimizer.lr=0.1, regularization.l2=0", "optimizer.lr=0.01, regularization.l2=0.001", "optimizer.lr=0.01, regularization.l2=0.001"]
    ids = [write_run(contents.writer, name, epochs=3, trajectory=False) for name in names]
    try:
        page.open(f"/compare?ids={','.join(ids)}")
        page.page.wait_for_selector("#run-names")
        twin = [f"lr=0.01, l2=0.001 ({run_id[:6]})" for run_id in ids[1:]]
        shown = page.page.eval_on_selector_all("#compare-runs tbody a", "links => links.map(link => [link.textContent, link.title])")
        assert shown == [["lr=0.1, l2=0", names[0]], [twin[0], f"{names[1]} ({ids[1][:6]})"], [twin[1], f"{names[2]} ({ids[2][:6]})"]]
        assert page.page.text_content("#run-names") == "run names: lr = optimizer.lr, l2 = regularization.l2"
        assert trace_count(page, "plot-val-acc") == 3
        assert page.page.evaluate("document.getElementById('plot-val-acc').data.map(trace => trace.name)") == ["lr=0.1, l2=0", *twin]
        # equal curves (the twins) are drawn thick to thin, so each shows as a halo around the next
        widths = page.page.evaluate("document.getElementById('plot-val-acc').data.map(trace => trace.line.width)")
        assert widths == pytest.approx([5.0, 3.3, 1.6])
        # the widths are the server's (/api/compare, the reports' rule), not a copy of it in the page
        given = page.page.evaluate("""() => figures.overlayTraces([{epochs: [1], series: {k: [1]}}, {epochs: [1], series: {k: [2]}}],
            ["a", "b"], "k", [7, 0.5]).map((trace) => trace.line.width)""")
        assert given == [7, 0.5]
        page.check()
    finally:
        for run_id in ids:
            contents.writer.delete_run(run_id)


def test_compare_of_six_runs_fits_800_pixels(page, served_store):
    """The config differences have one column per run: six twins' columns (1,140 px) scroll
    within the page instead of widening it."""
    contents, _ = served_store
    ids = [write_run(contents.writer, f"optimizer.lr={lr}, regularization.l2=0.001", [("optimizer.lr", lr)], epochs=2, trajectory=False)
           for lr in (0.1, 0.01, 0.001) for _ in range(2)]
    try:
        page.page.set_viewport_size({"width": 800, "height": 900})
        page.open(f"/compare?ids={','.join(ids)}")
        page.page.wait_for_selector("#config-differences")
        assert page.page.evaluate("document.getElementById('config-differences').scrollWidth") > 800
        assert page.page.evaluate("document.documentElement.scrollWidth") <= 800
        page.check()
    finally:
        for run_id in ids:
            contents.writer.delete_run(run_id)


def test_durations_read_to_a_tenth_under_ten_seconds(page, served_store):
    page.open("/")
    shown = page.page.evaluate("() => [0.04, 0.44, 9.94, 9.96, 59.4, 61, 3723, null].map(reglab.duration)")
    assert shown == ["0.0 s", "0.4 s", "9.9 s", "10 s", "59 s", "1:01", "1:02:03", "—"]


def test_selecting_two_runs_shows_both_curves(page, served_store, browser, screenshots):
    contents, server = served_store
    plain, decayed = contents.ids["plain"], contents.ids["weight decay"]
    page.open("/")
    page.page.wait_for_selector("#runs-table tbody tr")
    page.page.check(f'input.select-run[data-id="{plain}"]')
    page.page.check(f'input.select-run[data-id="{decayed}"]')
    assert page.page.text_content("#selection-count") == "2 selected"
    page.page.click("#compare-button")
    page.page.wait_for_url(re.compile(r"/compare\?ids="))
    assert trace_count(page, "plot-val-acc") == 2
    names = page.page.evaluate("document.getElementById('plot-val-acc').data.map(trace => trace.name)")
    assert sorted(names) == ["plain", "weight decay"]
    assert trace_count(page, "plot-norms") == 2 and trace_count(page, "plot-cosine") == 2
    assert page.page.get_attribute("#plot-norms", "data-key") == "param/l2/total"
    page.page.select_option("#layer", "head.weight")
    page.page.wait_for_selector('#plot-norms[data-key="param/l2/head.weight"]')
    assert trace_count(page, "plot-norms") == 2
    assert "optimizer.weight_decay" in page.page.text_content("#config-differences")
    permalink = page.page.get_attribute("#permalink", "href")
    page.shot(screenshots, "compare")
    page.check()

    fresh = Page(browser, server.url)  # a new browser profile: nothing selected
    try:
        fresh.page.goto(permalink)
        assert trace_count(fresh, "plot-val-acc") == 2
        fresh.check()
    finally:
        fresh.close()


def test_a_running_run_gains_an_epoch_without_a_reload(page, served_store, browser, screenshots):
    from playwright.sync_api import expect

    contents, server = served_store
    run_id = contents.running_id
    done = contents.writer.get_run(run_id).epochs
    table = Page(browser, server.url)
    table.open("/")
    progress = f'#runs-table tr[data-id="{run_id}"] .progress'
    expect(table.page.locator(progress)).to_have_text(re.compile(rf"^epoch {done} / 10"), timeout=WAIT_MS)
    table.page.evaluate("window.notReloaded = true")
    page.open(f"/runs/{run_id}")
    page.page.wait_for_function(f"() => (document.getElementById('epoch-count') || {{}}).textContent === 'epoch {done} of 10'")
    # the header comes with the page, the curves once the history is fetched
    trace_count(page, "plot-loss")
    assert page.page.evaluate("document.getElementById('plot-loss').data[0].x.length") == done
    page.page.evaluate("window.notReloaded = true")
    row = contents.running_history[done]
    contents.writer.log_epoch(run_id, done + 1, {key: value for key, value in row.items() if key != "epoch"})
    page.page.wait_for_function(f"() => document.getElementById('epoch-count').textContent === 'epoch {done + 1} of 10'")
    page.page.wait_for_function(f"() => document.getElementById('plot-loss').data[0].x.length === {done + 1}")
    assert page.page.evaluate("window.notReloaded") is True
    assert page.page.is_visible("#eta")
    page.shot(screenshots, "run-live")
    page.check()
    expect(table.page.locator(progress)).to_have_text(re.compile(rf"^epoch {done + 1} / 10 · ETA"), timeout=WAIT_MS)
    assert table.page.evaluate("window.notReloaded") is True
    table.check()
    table.close()


def test_sweep_pages(page, served_store, screenshots):
    page.open("/sweeps")
    page.page.wait_for_selector("#sweeps-table tbody tr")
    assert "grid" in page.page.text_content("#sweeps-table") and "12" in page.page.text_content("#sweeps-table")
    page.shot(screenshots, "sweeps")
    page.open("/sweeps/grid")
    assert trace_count(page, "parallel") == 1
    assert page.page.evaluate("document.getElementById('parallel').data[0].dimensions.length") == 4  # lr, wd, seed, metric
    assert trace_count(page, "heatmap") == 1
    assert page.page.evaluate("document.getElementById('heatmap').data[0].z.length") == 2  # two weight decays
    assert page.page.locator("#best-runs tbody tr").count() == 10
    # swept keys by their short names, the metric in one format (0.9 beside 0.8925 before)
    assert page.page.eval_on_selector_all("#best-runs th", "cells => cells.map(cell => cell.textContent)")[3:] == ["lr", "weight_decay", "seed", "val/acc"]
    assert page.page.text_content("#best-columns") == "columns: lr = optimizer.lr, weight_decay = optimizer.weight_decay"
    accuracies = page.page.eval_on_selector_all("#best-runs td[data-key='val/acc']", "cells => cells.map(cell => cell.textContent)")
    assert len({len(text.split(".")[1]) for text in accuracies}) == 1
    page.page.select_option("#metric", "val/loss")
    page.page.wait_for_function("() => document.getElementById('parallel').data[0].dimensions[3].label === 'val/loss'")
    page.shot(screenshots, "sweep")
    # the colour bar keeps clear of the last axis and its range labels (it touched them), inside the figure
    for width in (1280, 800):
        page.page.set_viewport_size({"width": width, "height": 900})
        page.page.evaluate("Plotly.Plots.resize(document.getElementById('parallel'))")
        bar_left, bar_right, axis_right, figure_right = page.page.evaluate("""() => {
            const node = document.getElementById('parallel'), bar = node.querySelector('.colorbar').getBoundingClientRect();
            const axes = [...node.querySelectorAll('.parcoords .y-axis')].map((axis) => axis.getBoundingClientRect().right);
            return [bar.left, bar.right, Math.max(...axes), node.getBoundingClientRect().right];
        }""")
        assert bar_left - axis_right >= 40 and bar_right <= figure_right, (width, bar_left, axis_right, bar_right, figure_right)

    contents = served_store[0]
    # named after its sweep, as `reglab sweep` names runs; lr 0.03 is the best of the surface
    late = write_run(contents.writer, "grid", [("optimizer.lr", 0.03), ("seed", 7)], epochs=4, sweep="grid", files=False)
    try:  # a result arrives while the page is open: offered, drawn on request, without a reload
        page.page.wait_for_selector("#update", state="visible")
        page.page.click("#update")
        page.page.wait_for_function("() => document.getElementById('parallel-caption').textContent.startsWith('13 runs')")
        assert page.page.locator("#update").is_hidden()
        # a run named like its sweep is told apart by its id in the best runs
        assert page.page.locator(f"#best-runs tr[data-id='{late}'] a").text_content() == late[:8]
    finally:
        contents.writer.delete_run(late)
    page.check()
