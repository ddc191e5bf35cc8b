"""`reglab ui` as a process: loopback only unless --host, no path traversal, clear errors."""

from __future__ import annotations

import socket
import urllib.request
from urllib.parse import urlsplit

import pytest

from reglab.ui.serve import BindRefused, bind_socket, is_loopback


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.org"])
def test_addresses_other_than_loopback_are_refused_before_binding(host):
    with pytest.raises(BindRefused, match="allowed: a loopback address"):
        bind_socket(host, 0)


def test_loopback_addresses():
    assert all(is_loopback(host) for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"))
    listener = bind_socket("127.0.0.1", 0)
    try:
        assert listener.getsockname()[0] == "127.0.0.1" and listener.getsockname()[1] > 0
    finally:
        listener.close()


def raw_get(url: str, path: str, host: str | None = None) -> tuple[int, bytes]:
    """One HTTP request with the path sent exactly as given (no client-side normalizing)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        request = f"GET {path} HTTP/1.1\r\nHost: {host or parts.netloc}\r\nConnection: close\r\n\r\n"
        connection.sendall(request.encode())
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


def test_the_server_listens_on_loopback_and_answers(served_store):
    contents, server = served_store
    assert urlsplit(server.url).hostname == "127.0.0.1"
    with urllib.request.urlopen(server.url + "api/runs?limit=1", timeout=10) as response:
        assert response.status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/files/../../etc/passwd",
        "/files/%2e%2e/%2e%2e/etc/passwd",
        "/files/..%2f..%2fetc%2fpasswd",
        "/static/../../../../etc/passwd",
        "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
    ],
)
def test_path_traversal_is_404(served_store, path):
    _, server = served_store
    status, body = raw_get(server.url, path)
    assert status == 404 and b"root:" not in body


def test_traversal_out_of_a_run_folder_is_404(served_store):
    contents, server = served_store
    run_id = contents.ids["plain"]
    assert raw_get(server.url, f"/files/{run_id}/config.yaml")[0] == 200
    for path in (f"/files/{run_id}/../../reglab.db", f"/files/{run_id}/..%2f..%2freglab.db", f"/files/{run_id}/%2e%2e/{contents.ids['weight decay']}/config.yaml"):
        assert raw_get(server.url, path)[0] == 404, path


def test_a_foreign_host_header_is_refused(served_store):
    _, server = served_store
    assert raw_get(server.url, "/api/runs", host="rebinding.example:80")[0] == 400


def run_cli(capsys, *args: str) -> tuple[int, str]:
    """`reglab ui ARGS` in this process: (exit code, stderr)."""
    from reglab.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["ui", *args])
    return exit_info.value.code, capsys.readouterr().err


def test_cli_errors_are_one_line_and_exit_2(tmp_path, capsys):
    code, err = run_cli(capsys, "--store", str(tmp_path / "none"), "--port", "0")
    assert code == 2 and err.count("\n") == 1 and "--store: no run store at" in err
    assert not (tmp_path / "none").exists()
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "reglab.db").write_text("not a database")
    code, err = run_cli(capsys, "--store", str(damaged), "--port", "0")
    assert code == 2 and err.count("\n") == 1 and "cannot be read" in err
    code, err = run_cli(capsys, "--port", "70000")
    assert code == 2 and err.count("\n") == 1 and "--port: got 70000" in err
    taken = bind_socket("127.0.0.1", 0)
    try:
        code, err = run_cli(capsys, "--port", str(taken.getsockname()[1]))
        assert code == 2 and err.count("\n") == 1 and "cannot listen on 127.0.0.1" in err
    finally:
        taken.close()
