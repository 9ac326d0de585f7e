"""`pricing sync`: fetch LiteLLM's price file and import it, so prices keep themselves current.

A conditional request (If-None-Match with the ETag of the copy imported last) makes an
unchanged file a 304 that costs nothing. A file with more than 10% fewer models than the one
imported last is refused (LiteLLM itself guards against a truncated map the same way). Rows set
by hand are never overwritten (catalogue.apply_catalogue). `serve --price-sync daily` runs the
same sync in the background, in one server process only (jobs.py).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import psycopg
import requests
from tqdm import tqdm

from . import catalogue, litellm_import

log = logging.getLogger(__name__)

DEFAULT_URL = "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
MAX_LOSS = 0.10  # refuse a file that lost more than this share of the models the last one had
SOURCE = "litellm-sync"
DAY_S = 86_400


@dataclass
class SyncResult:
    """What a sync did: imported, not_modified (304), refused (the guard) or dry_run."""

    status: str
    url: str
    model_count: int | None = None
    previous_count: int | None = None
    summary: catalogue.ImportSummary | None = None
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Download:
    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


def download(url: str, etag: str | None, *, progress: bool = True, timeout: float = 60) -> Download:
    """GET the file, conditionally on its ETag, with a progress bar over its bytes."""
    headers = {"If-None-Match": etag} if etag else {}
    with requests.get(url, headers=headers, stream=True, timeout=timeout) as resp:
        if resp.status_code == 304:
            return Download(304, etag=etag)
        resp.raise_for_status()
        total = int(resp.headers.get("Content-Length") or 0) or None
        chunks = []
        with tqdm(total=total, unit="B", unit_scale=True, desc="price file", disable=not progress) as bar:
            for chunk in resp.iter_content(chunk_size=64 * 1024):
                chunks.append(chunk)
                bar.update(len(chunk))
        return Download(resp.status_code, b"".join(chunks), resp.headers.get("ETag"), resp.headers.get("Last-Modified"))


def _state(conn: psycopg.Connection, url: str) -> tuple[dict[str, Any] | None, int | None]:
    """The last sync of this URL and the model count to guard against (its own, else the shipped snapshot's)."""
    state = conn.execute("select * from public.price_sync_state where url = %s", (url,)).fetchone()
    if state is not None:
        return state, state["model_count"]
    snap = conn.execute("select max(model_count) as n from public.price_sync_state where url like 'snapshot:%'").fetchone()
    return None, snap["n"]


def sync(conn: psycopg.Connection, url: str = DEFAULT_URL, *, dry_run: bool = False, actor: str = "sync",
         progress: bool = True) -> SyncResult:
    """Fetch, guard, import (unless dry_run) and remember the ETag; never overwrites rows set by hand."""
    state, previous = _state(conn, url)
    got = download(url, state["etag"] if state else None, progress=progress)
    if got.status == 304:
        if not dry_run:
            conn.execute("update public.price_sync_state set synced_at = now() where url = %s", (url,))
        return SyncResult("not_modified", url, previous, previous, message="not modified since the last sync (304)")
    try:
        data, duplicates = litellm_import.parse_litellm(got.body)
    except ValueError as err:
        return SyncResult("refused", url, None, previous, message=f"not a LiteLLM price file: {err}")
    cat = litellm_import.read_catalogue(data, SOURCE, duplicates=duplicates)
    if previous and cat.model_count < previous * (1 - MAX_LOSS):
        return SyncResult("refused", url, cat.model_count, previous,
                          message=f"refused: the file has {cat.model_count} models, the last one had {previous} "
                                  f"(more than {MAX_LOSS:.0%} fewer; a truncated file?). Nothing was changed.")
    now = datetime.now(timezone.utc)
    with conn.transaction():  # the prices and the ETag that says we have them, together
        summary = catalogue.apply_catalogue(conn, cat, actor, dry_run=dry_run, last_updated=now, announce=False)
        if not dry_run:
            _remember(conn, url, got, cat.model_count, now, summary)
    if not dry_run:
        catalogue.announce_prices(conn)
    return SyncResult("dry_run" if dry_run else "imported", url, cat.model_count, previous, summary)


def _remember(conn: psycopg.Connection, url: str, got: Download, count: int, now: datetime,
              summary: catalogue.ImportSummary) -> None:
    """Store the ETag, model count and summary of the copy just imported."""
    conn.execute(
            "insert into public.price_sync_state (url, etag, last_modified, model_count, synced_at, summary) "
            "values (%s, %s, %s, %s, %s, %s) on conflict (url) do update set etag = excluded.etag, "
            "last_modified = excluded.last_modified, model_count = excluded.model_count, "
            "synced_at = excluded.synced_at, summary = excluded.summary",
            (url, got.etag, got.last_modified, count, now, json.dumps(summary.as_json())))


def schedule_from_env() -> str | None:
    """TOKENOPTIMIZER_PRICE_SYNC (set by `serve --price-sync`): 'daily' or unset; anything else fails fast."""
    value = os.environ.get("TOKENOPTIMIZER_PRICE_SYNC", "").strip().lower() or None
    if value not in (None, "off", "daily"):
        raise ValueError(f"TOKENOPTIMIZER_PRICE_SYNC must be 'daily' or 'off', got {value!r}")
    return None if value == "off" else value


def register_job() -> bool:
    """Register the daily sync with the job runner when the server was started with --price-sync daily."""
    if schedule_from_env() != "daily":
        return False
    from .. import db, jobs

    def run() -> None:
        url = os.environ.get("TOKENOPTIMIZER_PRICE_SYNC_URL") or DEFAULT_URL
        with db.pool().connection() as conn:
            result = sync(conn, url, actor="price-sync job", progress=False)
        log.info("price sync from %s: %s %s", url, result.status, result.message or
                 (result.summary.as_json() if result.summary else ""))

    jobs.register("price_sync", DAY_S, run)
    return True
