# The two commands: `make run` and `make test`. Everything else is here for people who want a piece.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test bench lint format install install-dev clean-data

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt pyproject.toml | $(BIN)/python
	@echo "▸ Installing Waypoint's runtime packages into $(VENV) (first time takes a minute)"
	$(BIN)/pip install --quiet --progress-bar on -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	@echo "▸ Installing test tools into $(VENV)"
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## Start PostgreSQL (embedded unless DATABASE_URL is set), migrate, seed once, simulator and app.
run: install
	$(BIN)/waypoint run

## The whole suite against a throwaway database.
test: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

## Benchmarks (long; not part of CI). Figures go to the README.
bench: install-dev
	$(BIN)/python -m benchmarks

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Forget the local database and seeded sources (the next `make run` seeds again).
clean-data:
	rm -rf .data
