"""Running the `reglab` command in-process in tests."""

from __future__ import annotations

from reglab.cli import main


def run_cli(capsys, *args) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exit_:
        code = exit_.code or 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err
