"""A database of a benchmark's own on the local server: made for the run, dropped after it."""

from __future__ import annotations

import contextlib
from typing import Iterator

import psycopg


@contextlib.contextmanager
def bench_database(admin_url: str, name: str, *, reuse: bool = False, keep: bool = False,
                   settings: dict[str, str] | None = None) -> Iterator[str]:
    """Create `name` (unless reusing a kept one), yield its URL, drop it at the end unless kept or reused.

    `settings` are `alter database … set` options for the run (e.g. track_functions).
    """
    if not reuse:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'create database "{name}"')
            for option, value in (settings or {}).items():
                admin.execute(f'alter database "{name}" set {option} = \'{value}\'')
    url = psycopg.conninfo.make_conninfo(admin_url, dbname=name)
    try:
        yield url
    finally:
        if keep or reuse:
            print(f"kept database {name}: {url}")
        else:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'drop database if exists "{name}" with (force)')
