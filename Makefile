# opslens: `make demo` runs the product on embedded defaults, `make test` runs every test.
# Both set up what they need (venv, Python packages, Debian packages, Maven and Go builds)
# and are quick when everything is already there.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint typecheck unit integration setup system-deps devstack-up devstack-down clean

setup: $(STAMP) system-deps

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

system-deps:
	@bash devstack/install-system-packages.sh

lint: $(STAMP)
	$(BIN)/ruff check mcp services ui tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

test: setup lint typecheck
	$(BIN)/python -m pytest -q -p no:cacheprovider

demo: setup
	$(BIN)/opslens demo

devstack-up: setup
	$(BIN)/opslens devstack up

devstack-down: $(STAMP)
	$(BIN)/opslens devstack down

clean:
	rm -rf $(VENV) .devstack .pytest_cache .mypy_cache .ruff_cache test-artifacts
