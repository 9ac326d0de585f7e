"""GET /api/config: what the dashboard needs to start."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from .. import db
from .answers import ConfigAnswer
from .access import is_admin
from .contract import PUBLIC, answers, spec

bp = Blueprint("config", __name__)


@bp.get("/api/config")
@spec.validate(resp=answers(ConfigAnswer), security=PUBLIC)
def config():
    """Mode, admin rights, the default project, and in local mode the first key for the snippet."""
    settings = current_app.config["SETTINGS"]
    with db.pool().connection() as conn:
        project = conn.execute("select id, name from public.default_project()").fetchone()
    key_file = settings.data_dir / "api_key"
    admin = is_admin()
    local_key = key_file.read_text().strip() if admin and settings.mode == "local" and key_file.exists() else None
    return jsonify({"mode": settings.mode, "auth_required": settings.mode != "local", "is_admin": admin,
                    "project": project, "base_url": settings.public_base_url or request.host_url.rstrip("/"),
                    "api_key": local_key})
