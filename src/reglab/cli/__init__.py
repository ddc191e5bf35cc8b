"""Command-line interface (nothing in reglab imports it)."""

from reglab.cli.app import app, main

__all__ = ["app", "main"]
