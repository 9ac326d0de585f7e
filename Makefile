# The two commands: `make run` (set up, build, start on an embedded Postgres) and `make test`.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
NODE_OK := frontend/node_modules/.installed
FRONT_SRC := $(shell find frontend/src frontend/index.html frontend/vite.config.* -type f 2>/dev/null)

.PHONY: run test test-python test-frontend test-e2e build bench setup chromium pgbouncer docker-compose clean

run: setup frontend/dist/index.html
	$(VENV)/bin/tokenoptimizer serve $(ARGS)

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[server,dev]"
	rm -f $(VENV)/.installed-*; touch $@

$(NODE_OK): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

# The build generates the dashboard's API types from the Python app's OpenAPI document: setup first.
frontend/dist/index.html: $(STAMP) $(NODE_OK) $(FRONT_SRC)
	cd frontend && npm run build

build: frontend/dist/index.html

chromium:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

# The transaction-pooler tests start their own pgbouncer; the compose test runs `docker-compose config` (no engine).
pgbouncer:
	@command -v pgbouncer >/dev/null 2>&1 || test -x /usr/sbin/pgbouncer || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer)

docker-compose:
	@command -v docker-compose >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose)

test: test-python test-frontend test-e2e

test-python: setup chromium pgbouncer docker-compose frontend/dist/index.html
	$(PY) -m pytest

test-frontend: setup $(NODE_OK)
	cd frontend && npm test

test-e2e: setup chromium frontend/dist/index.html
	cd frontend && npm run e2e

bench: setup
	$(PY) bench/ingest.py
	$(PY) bench/sdk_overhead.py
	$(PY) bench/dashboard.py

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist
