"""`python -m reglab` runs the command-line interface."""

from reglab.cli import main

main()
