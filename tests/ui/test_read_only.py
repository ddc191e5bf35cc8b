"""The dashboard never opens the store's files for writing.

In process: an audit hook (PEP 578) records every `open` and `sqlite3.connect` while every
page and endpoint is requested, with a writer still holding the store open; the files'
bytes are compared before and after. In a child process: `reglab ui` serves a store whose
folders and files have no write permission (
root ignores permission bits: when the tests run as root, the server runs without the
capabilities that let root write through them).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from reglab.ui.app import create_app
from tests.ui.conftest import make_store, start_ui, stop_ui

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_recording: list[tuple] | None = None


def _audit(event: str, args: tuple) -> None:
    if _recording is None:
        return
    if event == "open":
        _recording.append(("open", args[0], args[1], args[2]))
    elif event == "sqlite3.connect":
        _recording.append(("connect", args[0]))


sys.addaudithook(_audit)


def every_url(contents) -> list[str]:
    plain, decayed = contents.ids["plain"], contents.ids["weight decay"]
    urls = ["/", "/?group=optimizer.lr", "/sweeps", "/sweeps/grid", f"/runs/{plain}", f"/compare?ids={plain},{decayed}"]
    urls += ["/api/runs", "/api/runs?group=seed", "/api/keys", "/api/version", "/api/sweeps", "/api/sweeps/grid/table"]
    urls += ["/api/sweeps/grid/heatmap?x=optimizer.lr&y=seed&metric=val/acc", f"/api/compare?ids={plain},{decayed}"]
    for run_id in (plain, contents.running_id):
        urls += [f"/api/runs/{run_id}", f"/api/runs/{run_id}/history", f"/api/runs/{run_id}/histograms", f"/api/runs/{run_id}/files"]
    urls += [f"/files/{plain}/config.yaml", f"/files/{plain}/metrics.csv", f"/files/{plain}/snapshots/epoch_0003.safetensors"]
    urls += ["/static/style.css", "/static/runs.js", "/static/plotly.min.js"]
    return urls


def fingerprint(folder: Path) -> dict[str, tuple]:
    """Bytes and modification time of every file (SQLite's shared-memory index excepted)."""
    prints = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.endswith("-shm"):
            prints[str(path.relative_to(folder))] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    return prints


def _under(path, folder: Path) -> bool:
    if isinstance(path, int):
        return False
    try:
        return Path(os.fsdecode(path)).resolve().is_relative_to(folder.resolve())
    except (TypeError, ValueError):
        return False


def test_no_file_of_the_store_is_opened_for_writing(store_contents):
    global _recording
    before = fingerprint(store_contents.directory)
    _recording = []
    try:
        app = create_app(store_contents.directory)
        with TestClient(app, base_url="http://127.0.0.1") as client:
            for url in every_url(store_contents):
                assert client.get(url).status_code == 200, url
        app.state.ui.close()
        events, _recording = _recording, None
    finally:
        _recording = None
    connects = [event for event in events if event[0] == "connect"]
    assert connects and all("mode=ro" in str(event[1]) for event in connects), connects
    opened = [event for event in events if event[0] == "open" and _under(event[1], store_contents.directory)]
    assert opened, "the audit hook saw no file of the store"
    writes = [
        event for event in opened
        if (isinstance(event[2], str) and any(flag in event[2] for flag in "wax+")) or (event[3] or 0) & WRITE_FLAGS
    ]
    assert writes == []
    assert fingerprint(store_contents.directory) == before


def _read_only_copy(source: Path, target: Path) -> None:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*-wal", "*-shm"))
    for path in sorted(target.rglob("*"), reverse=True):
        path.chmod(0o555 if path.is_dir() else 0o444)
    target.chmod(0o555)


def test_a_store_without_write_permission_serves_every_page(tmp_path):
    contents = make_store(tmp_path / "writable")
    contents.writer.close()  # a closed store: reglab.db holds everything, no -wal
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"reglab-ui-read-only-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    folder.chmod(0o755)
    store = folder / "store"
    _read_only_copy(contents.directory, store)
    before = fingerprint(store)
    prefix = []
    if os.geteuid() == 0:
        # root writes through permission bits (CAP_DAC_OVERRIDE); drop that power for the server
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
        if shutil.which("setpriv") is None or subprocess.run([*prefix, "true"]).returncode != 0:
            pytest.skip("running as root without setpriv able to drop CAP_DAC_OVERRIDE: permission bits would not bind")
    try:
        server = start_ui(store, prefix=prefix, env={"MPLCONFIGDIR": str(tmp_path / "matplotlib")})
        try:
            for url in every_url(contents):
                with urllib.request.urlopen(server.url.rstrip("/") + url, timeout=30) as response:
                    assert response.status == 200, url
        finally:
            exit_code = stop_ui(server)
        assert exit_code == 130, "".join(server.stderr_lines)  # Ctrl-C
        assert sorted(path.name for path in store.iterdir()) == ["reglab.db", "runs"]  # no -wal, no -shm
        assert fingerprint(store) == before
        assert not any(stat.S_IMODE(path.stat().st_mode) & 0o222 for path in store.rglob("*"))
    finally:
        for path in folder.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(folder, ignore_errors=True)
