"""`python -m tokenoptimizer_server.cli` runs the CLI (tests use this to run it as a real process)."""

from . import main

main()
