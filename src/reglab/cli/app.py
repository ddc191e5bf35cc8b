"""The `reglab` command: a thin layer over the Python API.

User mistakes (bad config keys or values, missing files, bad arguments) print one
line to stderr and exit with code 2; nothing is written.
"""

from __future__ import annotations

import sys

import click
import typer

from reglab.config import ConfigError

__all__ = ["app", "main", "fail"]

app = typer.Typer(
    name="reglab",
    help="A regularization laboratory for PyTorch: train, watch the trajectory, compare, sweep.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
runs_app = typer.Typer(help="List, show and export stored runs.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")


def fail(message: str) -> None:
    """Print one error line and exit with code 2."""
    click.echo(f"error: {message}", err=True)
    raise SystemExit(2)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `reglab` script."""
    from reglab.cli import commands  # noqa: F401  (registers the commands)

    command = typer.main.get_command(app)
    try:
        command.main(args=argv if argv is not None else sys.argv[1:], prog_name="reglab", standalone_mode=False)
    except ConfigError as error:
        fail(str(error))
    except click.exceptions.NoArgsIsHelpError as error:
        click.echo(error.ctx.get_help() if error.ctx else str(error))
        raise SystemExit(0) from None
    except click.UsageError as error:
        where = f" ({error.ctx.command_path})" if error.ctx else ""
        fail(f"{error.format_message()}{where}; see --help")
    except click.exceptions.Abort:
        fail("aborted")
    except click.exceptions.Exit as exit_:
        raise SystemExit(exit_.exit_code) from None
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        raise SystemExit(130) from None
