"""`mlflow server` on 127.0.0.1 shows exported runs: the experiment page in headless Chromium."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytest.importorskip("mlflow")
pytest.importorskip("playwright")

from mlflow import MlflowClient

from reglab.store import RunStore
from reglab.tracking import export_to_mlflow
from tests.report.browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy"),  # inside MLflow's SQLAlchemy store
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (make browser)"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"mlflow server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"mlflow server did not answer at {url}")


def test_mlflow_server_shows_the_exported_runs(tracked_store, tmp_path):
    database = tmp_path / "mlflow.db"
    uri = f"sqlite:///{database}"
    with RunStore(tracked_store) as store:
        runs = store.runs(sweep="tiny")
        export_to_mlflow(store, runs, uri, "browser", report=False)
    experiment = MlflowClient(tracking_uri=uri).get_experiment_by_name("browser").experiment_id
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port), "--backend-store-uri", uri, "--workers", "1"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},  # no background job consumers
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/health", server)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                outside: list[str] = []
                page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
                page.goto(f"http://127.0.0.1:{port}/#/experiments/{experiment}/runs?workflowType=machine_learning", wait_until="load")
                for run in runs:
                    page.get_by_text(f"{run.name}-{run.id[:6]}").first.wait_for(timeout=90_000)
                page.screenshot(path=str(tmp_path / "mlflow.png"))
                assert "2 matching runs" in page.inner_text("body")
            finally:
                browser.close()
        assert outside == [], f"the page fetched from outside this machine: {outside[:3]}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and every process it started (its own session)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
