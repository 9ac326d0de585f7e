"""The `tokenoptimizer` command line."""

from __future__ import annotations

import logging

import click

from .database import database_options  # noqa: F401  (re-exported for subcommands)
from .init_cmd import init
from .keys import keys
from .pricing import pricing
from .report import report
from .serve import migrate_cmd, serve
from .users import users


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-v", "--verbose", is_flag=True, help="Log what is happening (migrations, database start).")
@click.version_option(package_name="tokenoptimizer")
def main(verbose: bool) -> None:
    """TokenOptimizer: exact LLM costs. `tokenoptimizer serve` starts everything locally.

    Every command that touches the database takes --database-url (or DATABASE_URL) and
    --data-dir; without a URL it uses the same embedded Postgres that `serve` uses.
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


main.add_command(serve)
main.add_command(migrate_cmd)
main.add_command(keys)
main.add_command(pricing)
main.add_command(report)
main.add_command(users)
main.add_command(init)
