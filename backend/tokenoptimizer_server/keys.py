"""Project API keys: only a SHA-256 hash and a display prefix are stored; keys can be revoked."""

from __future__ import annotations

import hashlib
import secrets
import threading

import psycopg

KEY_PREFIX = "to_"


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def ensure_project(conn: psycopg.Connection, name: str = "default") -> dict:
    """The project with this name, created if missing."""
    # No organisation named: the default one (the column's default), where local mode's projects live.
    conn.execute("insert into public.projects (name) values (%s) on conflict (organisation_id, name) do nothing", (name,))
    return conn.execute("select id, name, created_at from public.projects where name = %s "
                        "and organisation_id = public.default_organisation()", (name,)).fetchone()


def create_key(conn: psycopg.Connection, project: str = "default", name: str = "default") -> tuple[str, dict]:
    """Create a key for a project (created if missing); the raw key is returned once, never stored."""
    proj = ensure_project(conn, project)
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    row = conn.execute(
        "insert into public.api_keys (project_id, name, key_hash, display_prefix) values (%s, %s, %s, %s) "
        "returning id, name, display_prefix, created_at",
        (proj["id"], name, hash_key(raw), raw[:10])).fetchone()
    return raw, {**row, "project": proj["name"]}


def list_keys(conn: psycopg.Connection, project: str | None = None) -> list[dict]:
    return conn.execute(
        "select k.id, p.name as project, k.name, k.display_prefix, k.created_at, k.last_used_at, k.revoked_at, "
        "k.dropped_events "
        "from public.api_keys k join public.projects p on p.id = k.project_id "
        "where %(project)s::text is null or p.name = %(project)s order by k.created_at",
        {"project": project}).fetchall()


def revoke_key(conn: psycopg.Connection, key: str) -> int:
    """Revoke by key id, display prefix or the raw key; returns how many keys were revoked."""
    return conn.execute(
        "update public.api_keys set revoked_at = now() where revoked_at is null and "
        "(id::text = %(k)s or display_prefix = %(k)s or key_hash = %(h)s)",
        {"k": key, "h": hash_key(key)}).rowcount


def authenticate(conn: psycopg.Connection, raw: str) -> dict | None:
    """The key's project and the current price version in one round trip; None for unknown or revoked."""
    return conn.execute(
        "select k.id, k.project_id, k.last_used_at, "
        "(select last_value from public.model_pricing_version_seq) as price_version "
        "from public.api_keys k where k.key_hash = %s and k.revoked_at is null",
        (hash_key(raw),)).fetchone()


class KeyCache:
    """Live keys this process has seen, by hash, so a request needs no lookup before its write.

    Safe because the write re-checks that the key is live (public.ingest_usage); a request told
    otherwise forgets the key and authenticates again.
    """

    def __init__(self, limit: int = 10_000):
        self._keys: dict[str, dict] = {}
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, raw: str) -> dict | None:
        return self._keys.get(hash_key(raw))

    def put(self, raw: str, key: dict) -> None:
        with self._lock:
            if len(self._keys) >= self._limit:  # keys come from clients: bound the memory
                self._keys.clear()
            self._keys[hash_key(raw)] = key

    def forget(self, raw: str) -> None:
        self._keys.pop(hash_key(raw), None)
