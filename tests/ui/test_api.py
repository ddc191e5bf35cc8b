"""The JSON API and the pages through Starlette's test client (no socket)."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from reglab.ui.app import create_app
from reglab.ui.state import StoreNotFound


@pytest.fixture
def client(store_contents):
    app = create_app(store_contents.directory)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client
    app.state.ui.close()


def test_runs_endpoint_pages_sorts_and_filters(client, store_contents):
    body = client.get("/api/runs", params={"sort": "name", "order": "asc", "limit": 5}).json()
    assert body["total"] == 15 and len(body["rows"]) == 5
    assert [row["name"] for row in body["rows"]] == sorted(row["name"] for row in body["rows"])
    filtered = client.get("/api/runs", params={"q": "optimizer.lr>=0.3", "limit": 100}).json()
    assert filtered["total"] == 4 and all(row["values"].get("optimizer.lr", 0.3) == 0.3 for row in filtered["rows"])


def test_runs_endpoint_gives_short_headers_and_metrics_in_one_format(client):
    from reglab.formatting import format_column

    body = client.get("/api/runs", params={"columns": "optimizer.lr,optimizer.weight_decay,seed,val/acc,val/loss"}).json()
    assert body["headers"] == {"optimizer.lr": "lr", "optimizer.weight_decay": "weight_decay", "seed": "seed",
                               "val/acc": "val/acc", "val/loss": "val/loss"}
    assert body["header_legend"] == "columns: lr = optimizer.lr, weight_decay = optimizer.weight_decay"
    for key in ("val/acc", "val/loss"):
        values = [row["values"][key] for row in body["rows"]]
        assert [row["text"][key] for row in body["rows"]] == format_column(values)
        assert len({len(row["text"][key].split(".")[1]) for row in body["rows"]}) == 1
    assert all("optimizer.lr" not in row["text"] for row in body["rows"])  # config values keep their own form


def test_a_lottery_run_plans_its_epochs_over_every_round(store_contents):
    """3 epochs per round, 4 pruned rounds after the dense one: 15 epochs (the run page read 'epoch 15 of 3')."""
    from tests.ui.synthetic_store import write_run

    run_id = write_run(store_contents.writer, "ticket", [("pruning.method", "lottery"), ("pruning.rounds", 4)], epochs=3,
                       trajectory=False)
    app = create_app(store_contents.directory)
    try:
        with TestClient(app, base_url="http://127.0.0.1") as client:
            assert client.get(f"/api/runs/{run_id}").json()["epochs_planned"] == 15
            (row,) = client.get("/api/runs", params={"q": "ticket"}).json()["rows"]
            assert row["id"] == run_id and row["epochs_planned"] == 15
            assert client.get(f"/api/runs/{store_contents.ids['plain']}").json()["epochs_planned"] == 6
    finally:
        app.state.ui.close()


def test_groups_endpoint(client):
    body = client.get("/api/runs", params={"q": "sweep=grid", "group": "optimizer.lr"}).json()
    assert [group["key"] for group in body["groups"]] == [[0.01], [0.1], [0.3]]
    assert [group["count"] for group in body["groups"]] == [4, 4, 4]
    # mean ± std in one format per column, as `reglab runs list --group-by` prints it
    from reglab.formatting import mean_std_column

    for column in body["columns"]:
        stats = [group["stats"][column] for group in body["groups"]]
        assert [group["text"][column] for group in body["groups"]] == mean_std_column([(s["mean"], s["std"], s["n"]) for s in stats])
    assert body["headers"]["optimizer.lr"] == "lr"


def test_bad_query_is_400_with_one_line(client):
    for params in ({"q": "nope>1"}, {"sort": "nope"}, {"order": "up"}, {"limit": "x"}, {"group": "nope"}):
        response = client.get("/api/runs", params=params)
        assert response.status_code == 400, params
        assert "\n" not in response.json()["error"] and "allowed" in response.json()["error"]


def test_run_details_history_and_histograms(client, store_contents):
    run_id = store_contents.ids["plain"]
    details = client.get(f"/api/runs/{run_id}").json()
    assert details["name"] == "plain" and details["status"] == "completed"
    changed = [row["key"] for row in details["config_rows"] if row["changed"]]
    assert details["config_rows"][: len(changed)] == [row for row in details["config_rows"] if row["changed"]]
    assert {"device", "epochs", "name"} <= set(changed) and "optimizer.lr" not in changed
    assert {"config.yaml", "metrics.csv", "summary.json", "model.safetensors", "snapshots/epoch_0003.safetensors"} <= {
        file["path"] for file in details["files"]
    }
    history = client.get(f"/api/runs/{run_id}/history").json()
    expected = store_contents.writer.history(run_id)
    assert history["epochs"] == [1, 2, 3, 4, 5, 6]
    assert history["series"]["val/acc"] == pytest.approx([row["val/acc"] for row in expected])
    assert history["series"]["param/cos_init/hidden.0.linear.bias"] == [None] * 6  # NaN in the store → null
    later = client.get(f"/api/runs/{run_id}/history", params={"after": 4}).json()
    assert later["epochs"] == [5, 6]
    histograms = client.get(f"/api/runs/{run_id}/histograms").json()
    assert histograms["labels"] == ["epoch 0", "epoch 3", "epoch 6", "final"]
    layer = next(layer for layer in histograms["layers"] if layer["name"] == "hidden.0.linear.weight")
    assert all(sum(item["counts"]) == 16 * 8 for item in layer["histograms"])


def test_compare_lists_the_differing_keys(client, store_contents):
    ids = f"{store_contents.ids['plain']},{store_contents.ids['weight decay']}"
    body = client.get("/api/compare", params={"ids": ids}).json()
    differences = {row["key"]: row["values"] for row in body["config_differences"]}
    assert differences["optimizer.weight_decay"] == [0.0, 5e-4] and differences["optimizer.lr"] == [0.1, 0.05]
    assert "seed" not in differences
    assert client.get("/api/compare", params={"ids": "nope"}).status_code == 404


def test_compare_gives_the_run_names_as_shown_and_what_the_short_keys_stand_for(client, store_contents):
    from tests.ui.synthetic_store import write_run

    names = ["optimizer.lr=0.1, model.dropout=0.5", "optimizer.lr=0.01, model.dropout=0.5", "optimizer.lr=0.01, model.dropout=0.5"]
    ids = [write_run(store_contents.writer, name, epochs=2, trajectory=False) for name in names]
    body = client.get("/api/compare", params={"ids": ",".join(ids)}).json()
    twins = [f"({run_id[:6]})" for run_id in ids[1:]]
    assert [run["label"] for run in body["runs"]] == [names[0], *(f"{names[1]} {twin}" for twin in twins)]
    assert [run["shown_name"] for run in body["runs"]] == ["lr=0.1, dropout=0.5", *(f"lr=0.01, dropout=0.5 {twin}" for twin in twins)]
    assert body["run_names"] == "run names: lr = optimizer.lr, dropout = model.dropout"
    plain = client.get("/api/compare", params={"ids": store_contents.ids["plain"]}).json()
    assert plain["runs"][0]["shown_name"] == "plain" and plain["run_names"] == ""


def test_sweeps_endpoints(client):
    assert client.get("/api/sweeps").json()["sweeps"][0] | {"started_at": None} == {
        "name": "grid", "runs": 12, "running": 0, "finished": 12, "failed": 0, "started_at": None
    }
    table = client.get("/api/sweeps/grid/table", params={"metric": "test/acc"}).json()
    assert table["metric"] == "test/acc" and len(table["columns"]["test/acc"]) == 12 and len(table["best"]) == 10
    assert table["headers"] == {"optimizer.lr": "lr", "optimizer.weight_decay": "weight_decay", "seed": "seed", "test/acc": "test/acc"}
    assert table["header_legend"] == "columns: lr = optimizer.lr, weight_decay = optimizer.weight_decay"
    from reglab.formatting import format_column

    assert [row["text"]["test/acc"] for row in table["best"]] == format_column([row["values"]["test/acc"] for row in table["best"]])
    wider = client.get("/api/sweeps/grid/table", params={"columns": "val/loss,model.dropout"}).json()
    assert set(wider["columns"]) == {"optimizer.lr", "optimizer.weight_decay", "seed", "val/acc", "val/loss", "model.dropout"}
    assert client.get("/api/sweeps/none/table").status_code == 404
    heat = client.get("/api/sweeps/grid/heatmap", params={"x": "optimizer.lr", "y": "seed", "metric": "val/acc"}).json()
    assert heat["y_values"] == ["0", "1"] and heat["count"] == [[2, 2, 2], [2, 2, 2]]


def test_pages_embed_their_first_data(client, store_contents):
    page = client.get("/", params={"sort": "name", "order": "asc"})
    assert page.status_code == 200 and "/static/runs.js" in page.text and "cdn" not in page.text.lower()
    embedded = json.loads(page.text.split('id="initial">')[1].split("</script>")[0])
    assert embedded["total"] == 15 and embedded["rows"][0]["name"] == sorted(store_contents.writer.runs(), key=lambda r: r.name)[0].name
    run_page = client.get(f"/runs/{store_contents.ids['plain']}")
    assert run_page.status_code == 200 and "/static/plotly.min.js" in run_page.text
    assert client.get("/runs/unknown").status_code == 404
    assert client.get("/static/plotly.min.js").content.startswith(b"/**\n* plotly.js")
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_files_are_served_only_from_inside_the_run_folder(client, store_contents):
    run_id = store_contents.ids["plain"]
    config = client.get(f"/files/{run_id}/config.yaml")
    assert config.status_code == 200 and "weight_decay" in config.text
    for bad in (f"/files/{run_id}/%2e%2e/%2e%2e/reglab.db", f"/files/{run_id}/..%2F..%2Freglab.db", "/files/..%2F..%2F/etc/passwd", f"/files/{run_id}/nothing"):
        assert client.get(bad).status_code == 404, bad


def test_other_hosts_are_refused_on_loopback(client):
    assert client.get("/", headers={"host": "attacker.example"}).status_code == 400


def test_missing_store_is_refused(tmp_path):
    with pytest.raises(StoreNotFound, match="no run store"):
        create_app(tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()


def test_an_empty_store_serves_empty_pages(tmp_path):
    from reglab.store import RunStore

    RunStore(tmp_path / "empty").close()
    app = create_app(tmp_path / "empty")
    with TestClient(app, base_url="http://127.0.0.1") as empty:
        assert empty.get("/").status_code == 200
        body = empty.get("/api/runs").json()
        assert body["total"] == 0 and body["rows"] == []
        assert empty.get("/api/sweeps").json() == {"sweeps": []}
        assert empty.get("/api/runs", params={"group": "seed"}).status_code == 400  # no such column yet
    app.state.ui.close()


def test_histograms_of_a_pruned_run_leave_out_its_zeros_and_say_how_many(client, store_contents):
    """75 % of each weight matrix pruned: the spike of exact zeros had flattened the rest."""
    from reglab.presentation.pruned_weights import LEFT_OUT
    from tests.ui.synthetic_store import write_pruned_run

    run_id = write_pruned_run(store_contents.writer, "pruned", remaining=0.25)
    body = client.get(f"/api/runs/{run_id}/histograms").json()
    layer = next(layer for layer in body["layers"] if layer["name"] == "hidden.0.linear.weight")  # 16 × 8
    drawn = {item["label"]: (sum(item["counts"]), item["zeros"], item["size"]) for item in layer["histograms"]}
    assert drawn == {"epoch 0": (128, 0, 128), "epoch 3": (80, 48, 128), "epoch 6": (32, 96, 128), "final": (32, 96, 128)}
    assert layer["note"] == "final: 75 % pruned (96 of 128 exactly 0)"
    assert body["left_out"] == LEFT_OUT
    plain = client.get(f"/api/runs/{store_contents.ids['plain']}/histograms").json()
    assert plain["left_out"] == "" and all(layer["note"] == "" for layer in plain["layers"])


def test_the_summary_and_stop_reason_come_in_one_number_format(client, store_contents):
    """The stopping rule's 'val/acc = 0.868056' stood beside a table of four decimals."""
    from tests.report.conftest import early_stopping_reason
    from tests.ui.synthetic_store import synthetic_history, synthetic_summary, write_run

    run_id = write_run(store_contents.writer, "stopped", epochs=4, trajectory=False)
    summary = synthetic_summary(synthetic_history(4, trajectory=False), "stopped_early")
    summary["stop_reason"] = early_stopping_reason([0.868, 0.8681, 0.868056])
    store_contents.writer.finish_run(run_id, "stopped_early", summary)
    shown = client.get(f"/api/runs/{run_id}").json()["summary_table"]
    rows = {row["key"]: row for row in shown["rows"]}
    assert rows["val/acc"]["final"] == f"{summary['final']['val/acc']:.4f}" and rows["val/acc"]["best"] == f"{summary['best']['val/acc']:.4f}"
    assert rows["final_eval/test/acc"] == {"key": "final_eval/test/acc", "final": f"{summary['final_eval']['test/acc']:.4f}", "best": ""}
    assert shown["stop_reason"] == "patience fired after epoch 3 (val/acc = 0.8681)"


def test_compare_gives_each_run_its_line_width_by_the_reports_rule(client, store_contents):
    from reglab.presentation.line_widths import run_widths

    ids = [store_contents.ids["plain"], store_contents.ids["weight decay"], *store_contents.sweep_ids[:1]]
    widths = [run["line_width"] for run in client.get("/api/compare", params={"ids": ",".join(ids)}).json()["runs"]]
    assert widths == pytest.approx([5.0, 3.3, 1.6]) and widths == run_widths(3, thin=1.6, thick=5.0)
    assert [run["line_width"] for run in client.get("/api/compare", params={"ids": ids[0]}).json()["runs"]] == [2.0]


def test_the_server_reads_the_reports_rules_without_matplotlib_or_torch():
    """The dashboard shares small rules with the reports (line widths, pruned weights, stop
    reasons); importing them must not load the reports' figure code (matplotlib, PyTorch)."""
    import subprocess
    import sys

    code = ("import sys, reglab.ui.app, reglab.ui.api, reglab.ui.histograms, reglab.ui.summary; "
            "print(sorted(name for name in ('matplotlib', 'torch') if name in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
