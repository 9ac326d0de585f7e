"""The Flask application factory."""

from __future__ import annotations

from flask import Flask

from . import db, errors, metrics, web
from .api import analytics, config, export, health, ingest, openapi, pricing
from . import alerts, auth
from .api import account, teams
from .api import caching as caching_api
from .api import evidence as evidence_api
from .api import alerts as alerts_api
from .api import sessions as sessions_api
from .api.access import HostAllowlist
from .json_provider import MoneyJSONProvider
from .settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app from settings (default: the environment)."""
    app = Flask(__name__, static_folder=None)
    app.json = MoneyJSONProvider(app)
    app.config["SETTINGS"] = settings or Settings.from_env()
    app.config["MAX_CONTENT_LENGTH"] = None  # ingest enforces its own limit with a clear 413
    errors.init_app(app)
    db.init_app(app)
    metrics.init_app(app)
    auth.init_app(app)  # the signed-in user, resolved once per request; their queries run as them
    for blueprint in (account.bp, teams.bp, sessions_api.bp, alerts_api.bp, pricing.bp, analytics.bp, evidence_api.bp, caching_api.bp, export.bp, config.bp, health.bp, openapi.bp):
        app.register_blueprint(blueprint)
    alerts.init_app(app)  # registers the evaluator job; jobs.start (wsgi.py) runs it
    web.init_app(app)  # last: its catch-all route must not shadow the API
    app.wsgi_app = ingest.IngestEndpoint(app, app.wsgi_app)  # the hot path, in front of Flask
    app.wsgi_app = HostAllowlist(app.config["SETTINGS"], app.wsgi_app)  # outermost: before any route
    return app
