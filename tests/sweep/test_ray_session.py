"""Ctrl-C while the Ray backend starts Ray: Ray starts and stops whole, and the sweep's claims
are freed. Ray itself is replaced by a stand-in (the Ray backend's tests run the real thing)."""

from __future__ import annotations

import os
import signal
import sys
import types

import pytest

from reglab.sweep.backends.interrupts import ctrl_c_held
from reglab.sweep.backends.ray_backend import ray_session
from reglab.sweep.ray_options import RayOptions


def _ray(on_init) -> types.ModuleType:
    """A `ray` module that records its calls; `init` runs `on_init` first."""
    ray = types.ModuleType("ray")
    ray.calls = []
    ray.is_initialized = lambda: "init" in ray.calls and "shutdown" not in ray.calls

    def init(**options):
        on_init()
        ray.calls.append("init")
        ray.init_options = options

    ray.init = init
    ray.shutdown = lambda: ray.calls.append("shutdown")
    return ray


def test_a_ctrl_c_while_ray_starts_is_raised_once_it_has_started_and_ray_is_stopped(monkeypatch, python_sigint):
    """Raised inside `ray.init`, the interrupt left Ray's agents running after the command exited."""
    ray = _ray(lambda: os.kill(os.getpid(), signal.SIGINT))
    monkeypatch.setitem(sys.modules, "ray", ray)
    with pytest.raises(KeyboardInterrupt):
        with ray_session(RayOptions()):
            ray.calls.append("sweep")
    assert ray.calls == ["init", "shutdown"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_held_leaves_an_ignored_sigint_ignored():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with ctrl_c_held():
            os.kill(os.getpid(), signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_ctrl_c_before_the_tasks_start_frees_the_sweeps_claims(tmp_path, monkeypatch):
    """Every population is claimed before Ray starts; cut short there, the claims went with the process only."""
    from reglab.store import RunStore
    from reglab.sweep import run_sweep
    from tests.conftest import tiny_digits

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setitem(sys.modules, "ray", _ray(interrupted))
    sweep = {"name": "grid", "base": tiny_digits(epochs=1), "parameters": {"optimizer.lr": [0.1, 0.05], "model.hidden": [[8], [12]]}}
    with pytest.raises(KeyboardInterrupt):
        run_sweep(sweep, backend="ray", store=tmp_path / "store", quiet=True)
    with RunStore(tmp_path / "store") as store:
        assert store.claims("grid") == [] and store.runs(sweep="grid") == []


def test_rays_token_authentication_notice_is_dropped_and_its_warnings_and_errors_are_not(monkeypatch):
    """Ray 2.60's `ray.init` logs that it enabled token authentication on every local start
    (`ray._private.authentication.authentication_token_setup`): dropped while Ray starts; an
    error of that logger, its notice that authentication is disabled, and other loggers'
    warnings still reach the terminal."""
    import logging

    from reglab.sweep.backends.ray_notices import TOKEN_SETUP_LOGGER

    token, services = logging.getLogger(TOKEN_SETUP_LOGGER), logging.getLogger("ray._private.services")
    enabled = "Token authentication is enabled for this Ray cluster. Set RAY_AUTH_MODE=disabled to opt out."

    def log_as_ray_does():
        token.warning(enabled)
        token.warning("Token authentication is disabled for this Ray cluster. Anyone with network access ...")
        token.error("the token file ~/.ray/auth_token cannot be read")
        services.warning("Found multiple active Ray instances")

    shown: list[str] = []

    class Terminal(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            shown.append(record.getMessage())

    terminal = Terminal()
    for logger in (token, services):
        logger.addHandler(terminal)
    try:
        monkeypatch.setitem(sys.modules, "ray", _ray(log_as_ray_does))
        with ray_session(RayOptions()):
            pass
        log_as_ray_does()  # after Ray has started, the logger is as it was
    finally:
        for logger in (token, services):
            logger.removeHandler(terminal)
    assert shown == [
        "Token authentication is disabled for this Ray cluster. Anyone with network access ...",
        "the token file ~/.ray/auth_token cannot be read",
        "Found multiple active Ray instances",
        enabled,
        "Token authentication is disabled for this Ray cluster. Anyone with network access ...",
        "the token file ~/.ray/auth_token cannot be read",
        "Found multiple active Ray instances",
    ]


@pytest.mark.parametrize(("given", "environment", "expected"), [
    (None, None, "local"), ("auto", None, "auto"), ("10.0.0.1:6379", "auto", "10.0.0.1:6379"), (None, "10.0.0.2:6379", None)])
def test_a_sweep_joins_another_ray_only_when_an_address_is_given(monkeypatch, given, environment, expected):
    """Without an address `ray.init()` joins the last Ray `ray start` started on this machine
    (a dead one made it wait for minutes): a sweep starts its own unless told otherwise;
    `$RAY_ADDRESS` is Ray's to read (None)."""
    ray = _ray(lambda: None)
    monkeypatch.setitem(sys.modules, "ray", ray)
    if environment is None:
        monkeypatch.delenv("RAY_ADDRESS", raising=False)
    else:
        monkeypatch.setenv("RAY_ADDRESS", environment)
    with ray_session(RayOptions(address=given)):
        pass
    assert ray.init_options["address"] == expected and ray.calls == ["init", "shutdown"]
