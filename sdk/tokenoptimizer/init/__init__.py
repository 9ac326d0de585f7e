"""`tokenoptimizer init`: add TokenOptimizer to an existing app, show the change, undo it.

It finds the OpenAI, Anthropic, Mistral and Gemini clients the app constructs (with LibCST),
adds `import tokenoptimizer`, `tokenoptimizer.configure(...)` and `tokenoptimizer.instrument()`
after the imports of the app's entry point (after showing a diff and writing a backup), and can
check one instrumented call against a provider URL you give. Needs `tokenoptimizer[init]`.

    python -m tokenoptimizer.init PATH [--entry FILE] [--yes] [--dry-run] [--undo]
                                       [--check --provider-url URL [--provider NAME] [--model M]]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

INSTALL_HINT = "tokenoptimizer init needs LibCST: pip install 'tokenoptimizer[init]'"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tokenoptimizer.init", description=__doc__.split("\n\n")[1])
    p.add_argument("path", type=Path, help="the app: a folder or one .py file")
    p.add_argument("--entry", type=Path, help="the file to change (default: found from the code)")
    p.add_argument("--yes", "-y", action="store_true", help="write without asking (undo: even if edited since)")
    p.add_argument("--dry-run", action="store_true", help="print what was found and the diff; write nothing")
    p.add_argument("--undo", action="store_true", help="restore the files init changed from their backups")
    p.add_argument("--check", action="store_true", help="make one instrumented call and report what was recorded")
    p.add_argument("--provider-url", help="with --check: the provider API base URL to call (e.g. a local mock)")
    p.add_argument("--provider", help="with --check: openai, anthropic, mistral or gemini (default: first found)")
    p.add_argument("--model", help="with --check: the model to ask for (default: one of the provider's)")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The argparse front end: no click or Flask needed, only the SDK and LibCST."""
    args = parser().parse_args(argv)
    try:
        from ._run import Options, run
    except ImportError as exc:
        if getattr(exc, "name", "") and exc.name.split(".")[0] == "libcst":
            print(INSTALL_HINT, file=sys.stderr)
            return 1
        raise
    return run(Options(**vars(args)))
