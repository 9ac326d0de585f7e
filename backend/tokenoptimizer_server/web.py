"""Serves the built dashboard (frontend/dist) at / with a single-page-app fallback."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, send_from_directory

bp = Blueprint("web", __name__)


@bp.get("/")
@bp.get("/<path:path>")
def dashboard(path: str = ""):
    dist = current_app.config["SETTINGS"].frontend_dir
    if path.startswith("api/"):
        abort(404)
    if path and (dist / path).is_file():
        return send_from_directory(dist, path, max_age=31_536_000 if path.startswith("assets/") else 0)
    if not (dist / "index.html").is_file():
        return ("The dashboard is not built: run `make run` (or `cd frontend && npm ci && npm run build`).", 503)
    return send_from_directory(dist, "index.html", max_age=0)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
