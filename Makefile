# Two commands on a fresh machine with Python and git: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= $(or $(MITAPO_PORT),8000)

.PHONY: run stop test test-db lint bench drill clean

$(STAMP): pyproject.toml ledger/pyproject.toml merchant_sdk/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ./ledger -e './merchant_sdk[test]' -e '.[dev]'
	touch $(STAMP)

## Start the service with a demo town on the embedded PostgreSQL under ./.mitapo (`make run PORT=8001`);
## Ctrl-C stops both
run: $(STAMP)
	MITAPO_PORT=$(PORT) $(BIN)/mitapo serve --demo

## Stop an embedded PostgreSQL left running under ./.mitapo or ./.mitapo-test
stop:
	@if [ -x $(BIN)/mitapo ]; then \
	  MITAPO_DATA_DIR=$(or $(MITAPO_DATA_DIR),.mitapo) $(BIN)/mitapo stop; MITAPO_DATA_DIR=.mitapo-test $(BIN)/mitapo stop; \
	fi

## Every test, the database ones on the embedded PostgreSQL (or MITAPO_TEST_DATABASE_URL)
test: $(STAMP)
	$(BIN)/pytest

## Only the tests that talk to PostgreSQL
test-db: $(STAMP)
	$(BIN)/pytest -m db

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy ledger/src merchant_sdk/src src
	$(BIN)/lint-imports  # the import rules in pyproject.toml ([tool.importlinter]; docs/architecture.md)

bench: $(STAMP)
	$(BIN)/python -m bench.ledger_throughput

## The backup and restore drill: WAL archive, base backup, point-in-time restore, `mitapo audit verify`
drill: $(STAMP)
	$(BIN)/pytest -v tests/deploy/test_drill.py

## Everything `make run` and `make test` made; their PostgreSQL is stopped first
clean: stop
	rm -rf $(VENV) .mitapo .mitapo-test
