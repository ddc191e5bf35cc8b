"""The `reglab` command: a thin layer over the Python API.

User mistakes (bad config keys or values, missing files, bad arguments) print one
line to stderr and exit with code 2; nothing is written.
"""

from __future__ import annotations

import sys

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
    typer.echo(f"error: {message}", err=True)
    raise SystemExit(2)


def _click_exception_kind(error: BaseException) -> str | None:
    """The name of the click exception class `error` derives from, if any.

    Typer ships its own copy of click (recent releases) or uses click itself (older
    ones), so the exception classes are matched by name along the class hierarchy.
    """
    names = {cls.__name__ for cls in type(error).__mro__}
    for kind in ("NoArgsIsHelpError", "UsageError", "Abort", "Exit", "ClickException"):
        if kind in names:
            return kind
    return None


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `reglab` script."""
    from reglab.cli import commands  # noqa: F401  (registers the commands)

    command = typer.main.get_command(app)
    try:
        command.main(args=argv if argv is not None else sys.argv[1:], prog_name="reglab", standalone_mode=False)
    except ConfigError as error:
        fail(str(error))
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise SystemExit(130) from None
    except Exception as error:
        kind = _click_exception_kind(error)
        if kind is None:
            raise
        if kind == "NoArgsIsHelpError":
            context = getattr(error, "ctx", None)
            typer.echo(context.get_help() if context else str(error))
            raise SystemExit(0) from None
        if kind == "Exit":
            raise SystemExit(getattr(error, "exit_code", 0)) from None
        if kind == "Abort":
            fail("aborted")
        context = getattr(error, "ctx", None)
        where = f" ({context.command_path})" if context is not None else ""
        fail(f"{error.format_message()}{where}; see --help")
