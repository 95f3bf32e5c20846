# assoc — every task a developer or CI needs. `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
export FLASK_APP := wsgi
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# pytest exits 5 when it collected nothing; that is not a failure of ours.
PYTEST = set +e; $(BIN)/python -m pytest $(1); rc=$$?; [ $$rc -eq 5 ] && rc=0; exit $$rc

.PHONY: run test lint bench translations install system-deps test-sqlite test-pg test-e2e clean worker

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

# Vietnamese catalogue from the per-area fragments (translations/vi/*.po).
translations: install
	$(BIN)/python scripts/i18n.py compile

run: install translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Job worker (imports, exports…) for when the web runs with REDIS_URL set; without REDIS_URL
# jobs run in a thread of the web process and no worker is needed.
worker: install translations
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} $(BIN)/rq worker --url $${REDIS_URL:-redis://127.0.0.1:6379/0} assoc

lint: install
	$(BIN)/ruff check .

# Debian packages the tests need (Chromium; pdftotext to read PDFs); installed when missing.
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1 || ! command -v pg_dump >/dev/null 2>&1 || ! command -v zbarimg >/dev/null 2>&1 || ! command -v soffice >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils postgresql-client zbar-tools >/dev/null \
	    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui fonts-liberation >/dev/null; \
	  else echo "Please install Debian's chromium, poppler-utils, postgresql-client, zbar-tools and libreoffice-writer-nogui (sudo apt-get install chromium poppler-utils postgresql-client zbar-tools; sudo apt-get install --no-install-recommends libreoffice-writer-nogui fonts-liberation)"; exit 1; fi; \
	fi

# The SQLite and PostgreSQL suites run on every core (pytest-xdist): each worker has its own
# SQLite file / PostgreSQL schema (tests/dbsetup.py), and a module's tests stay on one worker
# (module-scoped fixtures are built once). TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= auto
XDIST = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadscope)

test-sqlite: install translations system-deps
	$(call PYTEST,tests --ignore=tests/e2e -p no:playwright $(XDIST))

test-pg: install translations system-deps
	export DATABASE_URL=$(PG_URL); $(call PYTEST,tests --ignore=tests/e2e -p no:playwright $(XDIST))

test-e2e: install translations system-deps
	$(call PYTEST,tests/e2e --output=test-results --screenshot=only-on-failure)

test: lint test-sqlite test-pg test-e2e

bench: install translations
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) instance test-results translations/vi/LC_MESSAGES
