"""`tokenoptimizer init`: the click face of the SDK's `tokenoptimizer.init` (which owns the logic).

The SDK side runs without click (`python -m tokenoptimizer.init`); this only maps the same flags.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click


@click.command("init")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--entry", type=click.Path(path_type=Path), help="The file to change (default: found from the code).")
@click.option("--yes", "-y", is_flag=True, help="Write without asking (undo: even if edited since).")
@click.option("--dry-run", is_flag=True, help="Print what was found and the diff; write nothing.")
@click.option("--undo", is_flag=True, help="Restore the files init changed from their backups.")
@click.option("--check", is_flag=True, help="Make one instrumented call and report what the SDK recorded.")
@click.option("--provider-url", help="With --check: the provider API base URL to call (e.g. a local mock).")
@click.option("--provider", help="With --check: openai, anthropic, mistral or gemini (default: first found).")
@click.option("--model", help="With --check: the model to ask for (default: one of the provider's).")
def init(path: Path, entry: Optional[Path], yes: bool, dry_run: bool, undo: bool, check: bool,
         provider_url: Optional[str], provider: Optional[str], model: Optional[str]) -> None:
    """Add TokenOptimizer to an existing app: find its LLM clients, show the diff, back up, write.

    `--undo` puts the backup back. `--check --provider-url URL` makes one call through the
    instrumented provider SDK and reports the provider, model and tokens the SDK recorded.
    """
    try:
        from tokenoptimizer.init._run import Options, run
    except ImportError as exc:
        if (exc.name or "").split(".")[0] != "libcst":
            raise
        raise click.ClickException("tokenoptimizer init needs LibCST: pip install 'tokenoptimizer[init]'") from None
    status = run(Options(path=path, entry=entry, yes=yes, dry_run=dry_run, undo=undo, check=check,
                         provider_url=provider_url, provider=provider, model=model),
                 confirm=lambda question: click.confirm(question.removesuffix(" [y/N] "), default=False))
    raise SystemExit(status)
