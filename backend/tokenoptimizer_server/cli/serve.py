"""`tokenoptimizer serve` (embedded Postgres + migrations + first key + gunicorn) and `migrate`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from .. import keys as api_keys
from ..migrate import migrate
from ..settings import supabase_dir
from .database import database_options, open_db, resolve_url

SNIPPET = '''
  pip install "tokenoptimizer[openai]"

  import tokenoptimizer
  tokenoptimizer.configure(api_key="{key}", base_url="{url}")
  resp = tokenoptimizer.tracked_completion("gpt-4o-mini", [{{"role": "user", "content": "Hi"}}],
                                           endpoint_name="hello")
'''


def _first_key(conn, data_dir: Path) -> tuple[str | None, bool]:
    """The default project's first key: created (and saved to data_dir/api_key) on first start."""
    key_file = data_dir / "api_key"
    api_keys.ensure_project(conn)
    has_key = conn.execute("select exists (select from public.api_keys k join public.projects p on p.id = k.project_id "
                           "where p.name = 'default' and k.revoked_at is null) as yes").fetchone()["yes"]
    if has_key:
        return (key_file.read_text().strip() if key_file.exists() else None), False
    raw, _ = api_keys.create_key(conn, "default", "first key")
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file.write_text(raw + "\n")
    key_file.chmod(0o600)
    return raw, True


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="gunicorn worker processes.")
@click.option("--worker-class", default="gevent", show_default=True, type=click.Choice(["gevent", "gthread"]),
              help="gunicorn worker: gevent (one thread, many connections; fastest here) or gthread (16 threads).")
@click.option("--price-sync", type=click.Choice(["off", "daily"]), default="off", show_default=True,
              help="Keep prices current: run `pricing sync` daily in the background, in one worker only.")
@database_options
def serve(host: str, port: int, workers: int, worker_class: str, price_sync: str, database_url: str | None,
          data_dir: Path) -> None:
    """Start the API and dashboard (embedded Postgres unless --database-url is given)."""
    if not _port_free(host, port):
        raise click.ClickException(f"{host}:{port} is already in use: stop what runs there or pass --port")
    url = resolve_url(database_url, data_dir)
    with open_db(url, data_dir) as conn:
        key, created = _first_key(conn, data_dir)
    base = f"http://{'localhost' if host in ('127.0.0.1', '::1') else host}:{port}"
    click.echo(f"TokenOptimizer dashboard: {base}")
    if created:  # the only time the key itself is printed: terminals are scrolled back and logged
        click.echo("Created your first API key (saved in " f"{data_dir / 'api_key'}):")
        click.echo(SNIPPET.format(key=key, url=base))
        click.echo(f"API key: {key}")
    elif key:
        click.echo(f"API key: {key[:10]}… (the whole key is in {data_dir / 'api_key'}; "
                   "`tokenoptimizer keys create` makes another)")
    env = {**os.environ, "DATABASE_URL": url, "TOKENOPTIMIZER_DATA_DIR": str(data_dir),
           "TOKENOPTIMIZER_PUBLIC_URL": os.environ.get("TOKENOPTIMIZER_PUBLIC_URL", base),
           "TOKENOPTIMIZER_PRICE_SYNC": price_sync}
    with tempfile.TemporaryDirectory(prefix="tokenoptimizer-metrics-") as metrics_dir:
        env["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        cmd = [sys.executable, "-m", "gunicorn", "tokenoptimizer_server.wsgi:app", "--bind", f"{host}:{port}",
               "--workers", str(workers), "--worker-class", worker_class,
               *(["--threads", "16"] if worker_class == "gthread" else ["--worker-connections", "1000"]),
               "--graceful-timeout", "10", "--error-logfile", "-", "--log-level", "warning"]
        if os.environ.get("TOKENOPTIMIZER_ACCESS_LOG"):  # off by default: it costs ~3% of a small request
            cmd += ["--access-logfile", "-"]
        proc = subprocess.Popen(cmd, env=env)
        # A Ctrl-C in a terminal reaches gunicorn too (same process group); `kill -INT` or
        # `kill` of this process alone does not, so pass both on.
        signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
        # A shell script that starts us with `&` leaves SIGINT ignored; `kill -INT` should still stop us.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            code = proc.wait()
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGINT)
            try:
                code = proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
    click.echo("TokenOptimizer stopped.")
    # The embedded Postgres stops at exit when this was its last user.
    sys.exit(0 if code in (0, -signal.SIGINT, -signal.SIGTERM) else code)


@click.command("migrate")
@database_options
def migrate_cmd(database_url: str | None, data_dir: Path) -> None:
    """Apply pending migrations and seed prices into an empty price table."""
    with open_db(database_url, data_dir, run_migrations=False) as conn:
        applied = migrate(conn, supabase_dir())
    click.echo(f"Applied {len(applied)} migration(s): {', '.join(applied)}" if applied else "Database is up to date.")
