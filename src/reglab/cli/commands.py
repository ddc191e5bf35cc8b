"""Imports every command module so that each registers itself on the app."""

from reglab.cli import datasets_command, demo_command, runs_commands, train_command  # noqa: F401
from reglab.cli import analyze_command  # noqa: F401
from reglab.cli import compare_command  # noqa: F401
from reglab.cli import report_command  # noqa: F401
from reglab.cli import sweep_command  # noqa: F401
from reglab.cli import ui_command  # noqa: F401

__all__: list[str] = []
