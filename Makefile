# Two commands for a newcomer (see README):  make run   and   make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Haihe needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## Install, build the source-article demo database (SQLite, ./haihe.db) and serve it.
run: $(STAMP)
	$(BIN)/haihe demo
	$(BIN)/haihe serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

## Install and run the whole test suite (PostgreSQL tests need HAIHE_TEST_POSTGRES_URL).
test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/import_organisations.py

clean:
	rm -rf $(VENV) .pytest_cache
