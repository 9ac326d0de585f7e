"""gunicorn entry point: `gunicorn tokenoptimizer_server.wsgi:app`."""

from tokenoptimizer_server import create_app, jobs

app = create_app()
jobs.start(app)  # loaded in each worker after fork: background jobs, one process per job (jobs.py)
