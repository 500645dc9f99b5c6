# policytracker: `make run` to try it, `make test` to check it. See README.md.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve worker install install-dev chromium test lint lint-schema format check-migrations pytest fuzz schema superuser token clean bench bench-pg

# The virtualenv is rebuilt only when a requirements file changes.
$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

install-dev: $(BIN)/.installed-dev

## run: install, migrate, load the Venezuela 2019 seed (once) and serve on SQLite, with a task
## worker beside the server (webhook deliveries); webhooks may go to loopback receivers here
run: export POLICYTRACKER_WEBHOOK_ALLOW_PRIVATE ?= true
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_seed
	@echo
	@echo "  API          http://$(HOST):$(PORT)/api/v1/"
	@echo "  Swagger UI   http://$(HOST):$(PORT)/api/docs/"
	@echo "  Redoc        http://$(HOST):$(PORT)/api/redoc/"
	@echo "  Schema       http://$(HOST):$(PORT)/api/schema/"
	@echo "  Admin        http://$(HOST):$(PORT)/admin/   (make superuser first)"
	@echo "  Seed topic   http://$(HOST):$(PORT)/topics/venezuela-2019/?as_of=2019-05-01"
	@echo "  Task worker  started beside the server: webhook deliveries (docs/tracking.md)"
	@echo
	$(BIN)/python manage.py run_worker --verbosity 0 & worker=$$!; \
	  trap 'pkill -P $$worker; kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

## serve: serve in production (docs/deploy.md): check the settings, migrate the database
## (DATABASE_URL), collect the static files, then gunicorn (policytracker/gunicorn.conf.py) on
## HOST:PORT with WORKERS workers (default: 2 per core + 1), static files served by whitenoise
serve: install
	@$(BIN)/python -c "$$SERVE_PREFLIGHT"
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/gunicorn --config policytracker/gunicorn.conf.py --bind $(HOST):$(PORT) \
	  $(if $(WORKERS),--workers $(WORKERS))

## worker: a task worker for production (webhook deliveries; docs/deploy.md): run as many as
## needed, on any machine that reaches the database
worker: install
	$(BIN)/python manage.py run_worker --no-reload

# serve's first step: the production settings load (settings.py refuses a development or short
# secret key) with DEBUG off; if not, one line saying what to set, rather than a traceback.
define SERVE_PREFLIGHT
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policytracker.settings")
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
try:
    debug = settings.DEBUG
except ImproperlyConfigured as error:
    sys.exit(f"make serve: {error}")
if debug:
    sys.exit(
        "make serve: serving in production needs DJANGO_DEBUG=false, DJANGO_SECRET_KEY (50 "
        "random characters or more), DJANGO_ALLOWED_HOSTS and DATABASE_URL (docs/deploy.md); "
        "to try the service on this machine, use make run."
    )
endef
export SERVE_PREFLIGHT

## test: install, then lint, migrations check, the schema's lint and the whole test suite
## (schema check included); CI (.ci/run) adds the fuzz run
test: install-dev chromium lint check-migrations lint-schema pytest

# The browser tests drive Debian's chromium (Playwright never downloads a browser here).
chromium:
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	      || echo "WARNING: could not install chromium: the browser tests will be skipped."; \
	  else \
	    echo "WARNING: chromium is missing (apt-get install chromium): the browser tests will be skipped."; \
	  fi; \
	fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## lint-schema: lint the committed OpenAPI schema, docs/openapi.yaml, with Redocly CLI
## (redocly.yaml) and Spectral (.spectral.yaml), installed by npm from package-lock.json
lint-schema: node_modules/.installed
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	  node_modules/.bin/redocly lint --config redocly.yaml docs/openapi.yaml
	node_modules/.bin/spectral lint --ruleset .spectral.yaml --fail-severity warn docs/openapi.yaml

# The linters' node_modules are reinstalled only when package.json or its lock file changes.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { \
	  echo "make lint-schema needs Node.js 20 or later and npm (apt-get install nodejs npm)."; \
	  exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: install-dev
	$(BIN)/python manage.py makemigrations --check --dry-run

# On every core (pytest-xdist): each worker has its own test database.
pytest: install-dev
	$(BIN)/pytest -n auto

## fuzz: schemathesis against a live server on a throwaway database (schemathesis.toml,
## tests/fuzz.py); several minutes, so .ci/run runs it after make test rather than make test
fuzz: install-dev
	$(BIN)/python -m tests.fuzz

## schema: regenerate the committed OpenAPI schema, docs/openapi.yaml
schema: install
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

superuser: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createsuperuser

## bench: the benchmarks on SQLite (default dataset), in-process and over HTTP: bench/results.*
# (never part of `make test`; bench/README.md says what they measure)
bench: install
	$(BIN)/python -m bench.run --size default --http

## bench-pg: the same on PostgreSQL (database policytracker_bench): bench/results-pg.*
bench-pg: install
	$(BIN)/python -m bench.run --size default --http --database postgres

## token: create and print a new API token (shown once; expires in 90 days), e.g. make token ACCOUNT=admin
token: install
	$(BIN)/python manage.py create_api_token $(ACCOUNT)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles node_modules
