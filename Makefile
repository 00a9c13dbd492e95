# Two commands do everything: `make run` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench mutation clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Start the service on http://127.0.0.1:8000 (SQLite under ./var/, auth off for local trying).
run: $(STAMP)
	mkdir -p var
	CDS_AUTH=$${CDS_AUTH:-off} $(BIN)/cds-triage serve --host 127.0.0.1 --port 8000

## The whole suite: ruff, mypy, pytest (fixtures replayed end to end).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	# A real PostgreSQL for tests/storage, started (installed if missing) by the script; it
	# prints nothing when PostgreSQL can't be had, and then those tests skip (fail under CI).
	# Headless Chromium for tests/browser, the same way (Debian's chromium + chromium-driver).
	CDS_TEST_POSTGRES_URL="$$(bash scripts/postgres-test-server.sh)" \
	CDS_TEST_CHROMEDRIVER="$$(bash scripts/browser-test-setup.sh)" \
	$(BIN)/pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/run.py

## Mutation testing of the clinical rule modules ([tool.mutmut] in pyproject.toml): slow, run by
## hand, not part of `make test`. Prints the score per module and the surviving mutants.
## One module at a time: make mutation MUTANTS='cds.triage.wells.*'
MUTANTS ?=
mutation: $(STAMP)
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2 $(MUTANTS) > mutants.log 2>&1 || (tail -40 mutants.log; exit 1)
	$(BIN)/python scripts/mutation_score.py

clean:
	rm -rf $(VENV) var build .mypy_cache .ruff_cache .pytest_cache mutants mutants.log
