# Self-hosted image: the tokenoptimizer wheel (API, migrations, seed and the built dashboard, as
# `pip install "tokenoptimizer[server]"` gives a user) under gunicorn; Postgres comes from DATABASE_URL.
# Built the same way as tests/packaging/test_wheel.py builds and installs the wheel.
FROM node:20-bookworm AS dashboard
# `npm run build` first generates the dashboard's API types from the server's own OpenAPI document
# (frontend/scripts/api-types.mjs), so this stage has the server package installed too.
RUN apt-get update && apt-get install -y --no-install-recommends python3-venv && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY sdk/ sdk/
COPY backend/ backend/
RUN python3 -m venv /venv && /venv/bin/pip install --no-cache-dir -e ".[server]"
COPY frontend/package.json frontend/package-lock.json frontend/
RUN cd frontend && npm ci --no-audit --no-fund
COPY frontend/ frontend/
RUN cd frontend && TOKENOPTIMIZER_PYTHON=/venv/bin/python npm run build

FROM python:3.11-slim-bookworm AS wheel
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY sdk/ sdk/
COPY backend/ backend/
COPY supabase/ supabase/
COPY --from=dashboard /src/frontend/dist frontend/dist
# setup.py's build hook copies frontend/dist and supabase/ into the package.
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
COPY --from=wheel /wheels /wheels
RUN pip install --no-cache-dir "$(ls /wheels/tokenoptimizer-*.whl)[server,otel,hosted]" && rm -rf /wheels \
    && useradd --system --create-home --home-dir /data tokenoptimizer
ENV TOKENOPTIMIZER_MODE=selfhosted TOKENOPTIMIZER_DATA_DIR=/data
USER tokenoptimizer
WORKDIR /data
EXPOSE 8000
# `serve` applies pending migrations and seeds prices (advisory-locked: replicas may start together),
# creates the default project's first key (printed once, kept in /data/api_key), then runs gunicorn.
CMD ["sh", "-c", "exec tokenoptimizer serve --host 0.0.0.0 --port 8000 --workers \"${TOKENOPTIMIZER_WORKERS:-2}\" --price-sync \"${TOKENOPTIMIZER_PRICE_SYNC:-off}\""]
