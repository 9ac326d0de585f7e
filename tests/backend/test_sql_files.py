"""Runs each supabase/tests/*.sql file inside a transaction that is rolled back; a failed check raises."""

from pathlib import Path

import psycopg
import pytest

SQL_TESTS = sorted((Path(__file__).resolve().parents[2] / "supabase" / "tests").glob("*.sql"))


@pytest.mark.parametrize("path", SQL_TESTS, ids=[p.name for p in SQL_TESTS])
def test_sql_file(database_url, path):
    with psycopg.connect(database_url) as conn:
        try:
            conn.execute(path.read_text())
        finally:
            conn.rollback()
