# opslens: `make demo` runs the product on embedded defaults, `make test` runs every test.
# Both set up what they need (venv, Python packages, Debian packages, Maven and Go builds)
# and are quick when everything is already there.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint typecheck setup system-deps backends devstack-up devstack-down clean

setup: $(STAMP) system-deps backends

# Build (or find in ~/.cache/opslens) OpenSearch's launcher and kube-apiserver + etcd, before
# any test runs: a cold build takes minutes and must not count against a test's timeout.
backends: $(STAMP) system-deps
	$(BIN)/python -m opslens.devstack.opensearch build
	$(BIN)/python -m opslens.devstack.kubeapi build

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

system-deps:
	@bash devstack/install-system-packages.sh
	@bash devstack/install-browser-packages.sh
	@bash devstack/install-compose.sh

lint: $(STAMP)
	$(BIN)/ruff check mcp services ui evaluation tests bench
	$(BIN)/ruff format --check mcp services ui evaluation tests bench
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

test: setup lint typecheck
	$(BIN)/python -m pytest -q -p no:cacheprovider --durations=25

demo: setup
	$(BIN)/opslens demo

devstack-up: setup
	$(BIN)/opslens devstack up

devstack-down: $(STAMP)
	$(BIN)/opslens devstack down

clean:
	rm -rf $(VENV) .devstack .pytest_cache .mypy_cache .ruff_cache test-artifacts
