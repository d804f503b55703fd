PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Extra pytest arguments, e.g. PYTEST_ARGS=--create-db to rebuild a test database left by other code.
PYTEST_ARGS ?=

.PHONY: install install-dev browser run test lint bench worker beat clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.txt
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

## The API on http://127.0.0.1:8000 with the embedded defaults (SQLite, in-process tasks).
run: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

## Debian's chromium and chromium-driver for the browser tests, installed when missing.
browser:
	.ci/install-browser

## The whole suite, against PostgreSQL and Redis (local defaults, or DATABASE_URL / REDIS_URL),
## the browser tests included.
test: install-dev browser
	$(BIN)/pytest $(PYTEST_ARGS)

## The README's screenshots, taken again by the browser tests into docs/screenshots/.
screenshots: install-dev browser
	BROWSER_SCREENSHOTS_DIR=docs/screenshots $(BIN)/pytest -m browser -p no:randomly $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

bench: install-dev
	$(BIN)/python -m bench

worker: install
	$(BIN)/celery -A vchata_social worker --loglevel INFO

beat: install
	$(BIN)/celery -A vchata_social beat --loglevel INFO

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache artifacts
