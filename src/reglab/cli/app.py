"""The `reglab` command: a thin layer over the Python API.

Exit codes:

| code | when                                                                        |
|------|-----------------------------------------------------------------------------|
| 0    | done                                                                        |
| 1    | a sweep or comparison ran, but some of its configs failed                   |
| 2    | bad input (config keys or values, files, paths, arguments, a damaged store): one line on stderr, nothing written |
| 130  | Ctrl-C: one line saying which run keeps how many epochs and how to go on    |

Only typer (and its click) are imported here: each command imports what it needs
(torch, matplotlib, pydantic) inside its function, so `reglab --help` and
`reglab runs list` start in a fraction of a second.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

__all__ = ["app", "runs_app", "main", "fail", "EXIT_FAILED", "EXIT_BAD_INPUT", "EXIT_INTERRUPTED"]

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

app = typer.Typer(
    name="reglab",
    help="A regularization laboratory for PyTorch: train, watch the trajectory, compare, sweep.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
runs_app = typer.Typer(help="List, show, export, tag and delete stored runs.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")


def fail(message: str) -> NoReturn:
    """Print one error line and exit with code 2."""
    typer.echo(f"error: {message}", err=True)
    raise SystemExit(EXIT_BAD_INPUT)


def _kind(error: BaseException) -> str | None:
    """The name of the click exception class `error` derives from, if any.

    Typer ships its own copy of click (recent releases) or uses click itself (older
    ones), so the exception classes are matched by name along the class hierarchy.
    """
    names = {cls.__name__ for cls in type(error).__mro__}
    for kind in ("NoArgsIsHelpError", "UsageError", "Abort", "Exit", "ClickException"):
        if kind in names:
            return kind
    return None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _click_outcome(error: BaseException) -> int:
    """Print what a click exception means and return the exit code."""
    kind = _kind(error)
    if kind == "NoArgsIsHelpError":
        context = getattr(error, "ctx", None)
        typer.echo(context.get_help() if context else str(error))
        return 0
    if kind == "Exit":
        return int(getattr(error, "exit_code", 0) or 0)
    if kind == "Abort":
        typer.echo("error: aborted", err=True)
        return EXIT_BAD_INPUT
    context = getattr(error, "ctx", None)
    where = f" ({context.command_path})" if context is not None else ""
    typer.echo(f"error: {_one_line(error.format_message())}{where}; see --help", err=True)
    return EXIT_BAD_INPUT


def _not_utf8(argv: list[str]) -> str | None:
    """The first argument holding bytes that are not UTF-8, written with `\\xNN` escapes, or None.

    Python hands such bytes over as lone surrogates (PEP 383), which the store's SQLite,
    JSON and the terminal cannot encode: they are refused before any command starts."""
    for argument in argv:
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            return argument.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return None


def run(argv: list[str]) -> int:
    """Run the command line `argv` (without the program name); return the exit code."""
    from reglab.cli import commands  # noqa: F401  (registers the commands)
    from reglab.cli.interrupt import interrupted_line
    from reglab.config.errors import ConfigError

    undecodable = _not_utf8(argv)
    if undecodable is not None:
        typer.echo(f"error: argument: got '{undecodable}'; allowed: UTF-8 text (these bytes are not)", err=True)
        return EXIT_BAD_INPUT
    command = typer.main.get_command(app)
    try:
        with command.make_context("reglab", list(argv)) as context:
            command.invoke(context)
        return 0
    except ConfigError as error:
        typer.echo(f"error: {_one_line(error)}", err=True)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        typer.echo(interrupted_line(argv), err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `reglab runs list | head`: the reader left; say nothing more (Python's recipe).
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else EXIT_BAD_INPUT)
    except (PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError) as error:
        # A path the checks before the work did not foresee (a folder made read-only meanwhile).
        typer.echo(f"error: {error.filename or 'path'}: {error.strerror}; allowed: a path this user may write", err=True)
        return EXIT_BAD_INPUT
    except Exception as error:
        if _kind(error) is None:
            raise
        return _click_outcome(error)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `reglab` script: exits with the code of `run` (0, 1, 2 or 130)."""
    code = run(list(sys.argv[1:] if argv is None else argv))
    if code:
        raise SystemExit(code)
