"""TokenOptimizer server: ingestion API, pricing engine, analytics reads and the CLI."""

from .app import create_app

__all__ = ["create_app"]
