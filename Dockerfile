# Self-hosted image: the API and the built dashboard under gunicorn; Postgres comes from DATABASE_URL.
FROM node:20-bookworm-slim AS dashboard
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md ./
COPY sdk/ sdk/
COPY backend/ backend/
COPY supabase/ supabase/
RUN pip install --no-cache-dir -e ".[server,otel]"
COPY --from=dashboard /src/frontend/dist frontend/dist
ENV TOKENOPTIMIZER_MODE=selfhosted PROMETHEUS_MULTIPROC_DIR=/tmp/metrics
RUN mkdir -p /tmp/metrics && useradd --system tokenoptimizer && chown tokenoptimizer /tmp/metrics
USER tokenoptimizer
EXPOSE 8000
# Migrate (idempotent, advisory-locked), then serve.
CMD ["sh", "-c", "tokenoptimizer migrate && exec gunicorn tokenoptimizer_server.wsgi:app --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-2} --worker-class gevent --access-logfile -"]
