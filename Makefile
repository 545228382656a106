# Recdesk: `make run` starts the console with every local service; `make test` runs the whole suite.
# Both do all set-up on a fresh machine (virtualenv, pinned packages, migrations, chromium for tests).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed

# Local demo values shared by the console and the emulator (override in the environment or .env).
export LOCAL_ZEGO_APP_ID ?= 1000000001
export LOCAL_ZEGO_SERVER_SECRET ?= 0123456789abcdef0123456789abcdef
export LOCAL_ZEGO_CALLBACK_SECRET ?= local-callback-secret
export S3_PORT ?= 8333
# Ports of `make run`'s processes (change them to run a second copy beside the first).
WEB_PORT ?= 8000
ZEGO_PORT ?= 8810
RUN_ENV = DEBUG=1 WEB_PORT=$(WEB_PORT) ZEGO_PORT=$(ZEGO_PORT) \
	SITE_URL=http://127.0.0.1:$(WEB_PORT) \
	ZEGO_DEFAULT_API_URL=http://127.0.0.1:$(ZEGO_PORT) ZEGO_DEFAULT_RTC_API_URL=http://127.0.0.1:$(ZEGO_PORT) \
	S3_ENDPOINT=http://127.0.0.1:$(S3_PORT) MEDIA_ORIGINS=http://127.0.0.1:$(S3_PORT)
export S3_BUCKET ?= recdesk
export S3_ACCESS_KEY_ID ?= recdesk
export S3_SECRET_ACCESS_KEY ?= recdesk-local-secret

.PHONY: run test bench bench-postgres lint format chromium clean-var

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 12) else "Recdesk needs Python 3.12 (found " + sys.version.split()[0] + "); install it or run: make PYTHON=python3.12 ...")'
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@ $(RUNTIME_STAMP)

run: $(RUNTIME_STAMP)
	@mkdir -p var
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py bootstrap
	@echo ""
	@echo "  Recdesk is starting at http://127.0.0.1:$(WEB_PORT)  (Ctrl-C stops every process)"
	@echo ""
	$(RUN_ENV) $(VENV)/bin/honcho start -f Procfile

test: $(DEV_STAMP) chromium
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The benchmarks' table (see README "Performance"); BENCH_ARGS="--tasks 1000 --files 10000" for a
# quick run. bench-postgres runs it on a throwaway PostgreSQL database ($(PG_ADMIN_URL)).
PG_ADMIN_URL ?= postgres://postgres@127.0.0.1:5432/postgres
BENCH_DB := recdesk_bench_$(shell date +%s)
bench: $(DEV_STAMP)
	$(PY) -m bench $(BENCH_ARGS)

bench-postgres: $(DEV_STAMP)
	$(PY) scripts/pgdb.py create $(PG_ADMIN_URL) $(BENCH_DB)
	$(PY) -m bench --database-url $(dir $(PG_ADMIN_URL))$(BENCH_DB) $(BENCH_ARGS); \
		status=$$?; $(PY) scripts/pgdb.py drop $(PG_ADMIN_URL) $(BENCH_DB); exit $$status

chromium:
	@bash scripts/ensure-chromium.sh

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

format: $(DEV_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean-var:
	rm -rf var
