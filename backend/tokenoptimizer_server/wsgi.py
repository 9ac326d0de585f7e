"""gunicorn entry point: `gunicorn tokenoptimizer_server.wsgi:app`."""

from tokenoptimizer_server import create_app, gunicorn_errors, jobs
from tokenoptimizer_server.pricing import sync as price_sync

gunicorn_errors.install()  # gunicorn's own 400/414/431 answers in the JSON error shape

app = create_app()
price_sync.register_job()  # `serve --price-sync daily`: the daily price sync, one of the jobs below
jobs.start(app)  # loaded in each worker after fork: background jobs, one process per job (jobs.py)
