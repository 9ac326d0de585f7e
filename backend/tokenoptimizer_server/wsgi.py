"""gunicorn entry point: `gunicorn tokenoptimizer_server.wsgi:app`."""

from tokenoptimizer_server import create_app

app = create_app()
