"""Serves the built dashboard (frontend/dist) at / with a single-page-app fallback.

Only files inside frontend/dist are ever served. Any other path, a missing file or one that
climbs out of dist (`/%2e%2e/etc/passwd`) alike, gets index.html, so the answer says nothing
about what exists elsewhere on the server.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, send_from_directory
from werkzeug.security import safe_join

from .api.contract import PUBLIC, answers, documented
from .errors import ApiError

bp = Blueprint("web", __name__)
_HTML = answers(None, 404, 503, description="A file of the built dashboard, else its index.html (text/html).")


def _dist_file(path: str) -> str | None:
    """`path` when it names a file inside dist, else None (never a file outside it)."""
    if not path:
        return None
    dist = current_app.config["SETTINGS"].frontend_dir.resolve()
    joined = safe_join(str(dist), path)  # None for "..", absolute paths and the like
    if joined is None:
        return None
    target = Path(joined).resolve()  # a symlink out of dist is outside too
    return path if target.is_relative_to(dist) and target.is_file() else None


@bp.get("/")
@documented(resp=_HTML, security=PUBLIC)
def index():
    """The dashboard."""
    return dashboard("")


@bp.get("/<path:path>")
@documented(resp=_HTML, security=PUBLIC)
def dashboard(path: str):
    """A file of the built dashboard, or index.html for the app's own routes."""
    if path.startswith("api/"):
        abort(404)
    dist = current_app.config["SETTINGS"].frontend_dir
    file = _dist_file(path)
    if file is not None:
        return send_from_directory(dist, file, max_age=31_536_000 if file.startswith("assets/") else 0)
    if not (dist / "index.html").is_file():
        raise ApiError(503, "dashboard_not_built",
                       "the dashboard is not built: run `make run` (or `cd frontend && npm ci && npm run build`)")
    return send_from_directory(dist, "index.html", max_age=0)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
