# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test lint format messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# A stamp per requirements file: pip runs again only when the file changes.
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# Test-only checkers from npm (package-lock.json): the Nu HTML checker, run
# with Java, and axe-core, run in Chromium. Without npm the tests that need
# them are skipped, except in CI (HAMSAYE_CHECKERS=required).
node_modules/.stamp: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --ignore-scripts --loglevel=error && touch $@; \
	else echo "!! no npm: the HTML and accessibility checks will be skipped"; fi

# A local .env with DEBUG on, so that plain `manage.py` commands work in a
# development checkout (settings read it; the real environment wins).
.env:
	echo "DEBUG=1" > .env

## The portal with the demo fair, on SQLite unless DATABASE_URL says otherwise:
## the web server, a worker for each queue (messages; match recomputes) and the
## sweeper, stopped together by Ctrl-C. SMS (sign-in codes) print here.
run: $(VENV)/.runtime .env
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	@trap 'kill 0' INT TERM EXIT; export DEBUG=$${DEBUG:-1}; \
	$(BIN)/python manage.py db_worker --queue-name default --no-reload & \
	$(BIN)/python manage.py db_worker --queue-name matching --no-reload & \
	$(BIN)/python manage.py sweep --every 300 & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## The whole suite (both databases in CI: see .ci/run).
test: $(VENV)/.dev node_modules/.stamp .env
	DEBUG=1 CONN_MAX_AGE=0 $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py check
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Needs GNU gettext; only translators run it. The .mo files are committed.
messages: $(VENV)/.dev
	DEBUG=1 $(BIN)/python manage.py makemessages -l fa -l en --no-location --ignore '.venv/*'
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) staticfiles
