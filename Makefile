# Two commands do everything: `make run` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# 1 (default): the modules pyproject.toml's [tool.cds-build] names are compiled to C with mypyc
# (setup.py, issue 7); 0: the same package as plain Python (`CDS_COMPILE=0 make test`).
CDS_COMPILE ?= 1
BUILT := $(VENV)/.compiled-$(CDS_COMPILE)
# what a rebuild depends on: the include globs of [tool.cds-build] (keep the two alike)
COMPILED_SRC := $(wildcard fhir_mappings/*.py cds/prefetch.py cds/triage/*.py cards/*.py)
NATIVE_LIBS = $$(find cds fhir_mappings cards -name '*.so')

.PHONY: run test lint typecheck pytest bench clean

$(STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	CDS_COMPILE=0 $(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Built in place: each compiled module's library lies beside its source and is imported instead.
$(VENV)/.compiled-1: $(STAMP) setup.py $(COMPILED_SRC)
	rm -f $(VENV)/.compiled-0
	CDS_COMPILE=1 $(BIN)/python setup.py --quiet build_ext --inplace
	# the build leaves an unchanged library as it was: make each newer than its source, as
	# tests/conftest.py checks (a stale library would hide an edit)
	touch $(NATIVE_LIBS)
	touch $@

$(VENV)/.compiled-0: $(STAMP)
	rm -f $(VENV)/.compiled-1 $(NATIVE_LIBS)
	touch $@

## Start the service on http://127.0.0.1:8000 (SQLite under ./var/, auth off for local trying).
run: $(BUILT)
	mkdir -p var
	CDS_AUTH=$${CDS_AUTH:-off} $(BIN)/cds-triage serve --host 127.0.0.1 --port 8000

## The whole suite: ruff, mypy, pytest (fixtures replayed end to end).
test: $(BUILT)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	# A real PostgreSQL for tests/storage (issue 7): started (installed if missing) by the script;
	# it prints nothing when PostgreSQL can't be had, and then those tests skip (fail under CI).
	CDS_EXPECT_COMPILED=$(CDS_COMPILE) \
	CDS_TEST_POSTGRES_URL="$$(bash scripts/postgres-test-server.sh)" $(BIN)/pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(BUILT)
	CDS_EXPECT_COMPILED=$(CDS_COMPILE) $(BIN)/pytest -q

bench: $(BUILT)
	$(BIN)/python bench/run.py

clean:
	rm -f $(NATIVE_LIBS)
	rm -rf $(VENV) var build .mypy_cache .ruff_cache .pytest_cache
