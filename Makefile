# Mehvar: `make demo` runs the product with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export MEHVAR_VAR_DIR ?= $(CURDIR)/var

.PHONY: install demo serve worker test bench lint messages openapi clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)
	$(BIN)/python scripts/compile_messages.py

demo: install
	$(BIN)/mehvar migrate --noinput --verbosity 0
	$(BIN)/mehvar demo

serve: install
	$(BIN)/mehvar migrate --noinput --verbosity 0
	$(BIN)/mehvar serve

worker: install
	$(BIN)/mehvar worker

test: install
	scripts/system_packages.sh
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports --no-cache
	$(BIN)/mehvar makemigrations --check --dry-run --verbosity 0
	$(BIN)/python scripts/check_messages.py
	MEHVAR_TEST_DATABASE_URL= $(BIN)/pytest -n 2
	@if [ -n "$$MEHVAR_TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$MEHVAR_TEST_DATABASE_URL"; \
		$(BIN)/pytest -n 2; \
	fi

bench: install
	$(BIN)/python bench/run.py

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

messages: install
	cd src/mehvar && ../../$(BIN)/mehvar makemessages -l ar -l fa -l el --no-obsolete --no-location
	$(BIN)/python scripts/compile_messages.py

openapi: install
	$(BIN)/python scripts/export_openapi.py

clean:
	rm -rf $(VENV) var build *.egg-info
