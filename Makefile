# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export FLASK_APP := wsgi
# The org `flask demo seed` creates; new users join it to see its traces.
DEMO_ORG_ID ?= d3a0d3a0-0000-4000-8000-000000000001

.PHONY: install migrate seed run serve test lint format bench clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed  ## Create the virtualenv and install everything.

migrate: install  ## Create or upgrade both schemas.
	$(BIN)/flask db upgrade
	$(BIN)/flask clickhouse migrate

seed: migrate  ## Load the demo org, project and traces (idempotent).
	DEMO_ORG_ID=$(DEMO_ORG_ID) $(BIN)/flask demo seed

run: seed serve  ## Set up on the embedded defaults, load demo data, serve.

serve: install  ## Serve with gunicorn on http://$(HOST):$(PORT).
	DEMO_ORG_ID=$(DEMO_ORG_ID) GUNICORN_BIND=$(HOST):$(PORT) \
		$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: install  ## Run the whole suite (PostgreSQL when TEST_DATABASE_URL is set).
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install  ## Run every benchmark and print its ratios.
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache
