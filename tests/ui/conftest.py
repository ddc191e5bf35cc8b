"""Fixtures of the dashboard's tests: generated stores and a `reglab ui` server process.

Every server binds 127.0.0.1 on a free port (`--port 0`) and is stopped by the fixture
that started it.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from reglab.store import RunStore
from tests.conftest import sigint_as_in_a_terminal
from tests.ui.synthetic_store import start_running_run, write_run, write_sweep

URL_LINE = re.compile(r"reglab ui: (http://127\.0\.0\.1:\d+/)")


@dataclass
class StoreContents:
    """What a generated store holds: ids by name, the sweep's ids, the running run."""

    directory: Path
    writer: RunStore
    ids: dict[str, str]
    sweep_ids: list[str]
    running_id: str
    running_history: list[dict[str, float]]

    @property
    def all_ids(self) -> list[str]:
        return [*self.ids.values(), *self.sweep_ids, self.running_id]


def make_store(directory: Path) -> StoreContents:
    """Two single runs (one with snapshots), a 12-run sweep, and a run still training."""
    writer = RunStore(directory)
    ids = {
        "plain": write_run(writer, "plain", snapshots=[0, 3, 6]),
        "weight decay": write_run(writer, "weight decay", [("optimizer.weight_decay", 5e-4), ("optimizer.lr", 0.05)]),
    }
    sweep_ids = write_sweep(writer, "grid", [0.01, 0.1, 0.3], [0.0, 1e-4], [0, 1], epochs=4)
    running_id, history = start_running_run(writer, "live", epochs_planned=10, epochs_done=3)
    return StoreContents(directory, writer, ids, sweep_ids, running_id, history)


@pytest.fixture
def store_contents(tmp_path):
    contents = make_store(tmp_path / "store")
    yield contents
    contents.writer.close()


@dataclass
class UIServer:
    url: str
    process: subprocess.Popen
    stderr_lines: list[str]


def start_ui(store_dir: Path, extra: list[str] | None = None, prefix: list[str] | None = None, env: dict | None = None, timeout: float = 60.0) -> UIServer:
    """`reglab ui --store DIR --port 0` in a child process; waits for the URL line it prints."""
    command = [*(prefix or []), sys.executable, "-m", "reglab", "ui", "--store", str(store_dir), "--port", "0", *(extra or [])]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        preexec_fn=sigint_as_in_a_terminal,
    )
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 0.5)
        if ready:
            line = process.stderr.readline()
            if not line:
                break
            lines.append(line)
            match = URL_LINE.search(line)
            if match:
                return UIServer(match[1], process, lines)
        elif process.poll() is not None:
            break
    stop_ui(UIServer("", process, lines))
    raise AssertionError(f"reglab ui did not start: {''.join(lines)}")


def stop_ui(server: UIServer, timeout: float = 20.0) -> int:
    """Ctrl-C (SIGINT) and wait; returns the exit code."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
        try:
            server.process.wait(timeout)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    if server.process.stderr:
        server.stderr_lines.extend(server.process.stderr.readlines())
        server.process.stderr.close()
    return server.process.returncode


@pytest.fixture(scope="session")
def served_store(tmp_path_factory):
    """A generated store and one `reglab ui` process serving it, shared by the session's tests."""
    contents = make_store(tmp_path_factory.mktemp("served") / "store")
    server = start_ui(contents.directory)
    yield contents, server
    stop_ui(server)
    contents.writer.close()
