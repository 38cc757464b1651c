# mgit-lab: two commands for users, `make lab` and `make test`; the rest is internal.
#
#   make lab     set up .venv, build the extension, create the demo repository, start JupyterLab
#   make test    set up .venv (fast when done), then run every suite and print a summary
#
# Single suites (after `make setup`): make lint | build | pytest | test-ts | test-ui

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMPS := $(VENV)/stamps
TORCH_SPEC := torch==2.13.0
DEMO ?= demo
PORT ?= 8888
LAB_ARGS ?=
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

# jupyter, jlpm and node tools from the venv come first for every recipe (yarn scripts too)
export PATH := $(BIN):$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

FRONTEND_SOURCES := $(shell find src style scripts -type f 2>/dev/null) package.json yarn.lock tsconfig.json

.PHONY: help lab test setup demo lint build pytest test-ts test-ui clean

help:
	@echo "make lab    set up everything and start JupyterLab on a demo repository"
	@echo "make test   set up everything and run every test suite"
	@echo "single suites after setup: make lint | build | pytest | test-ts | test-ui"

# ---------------------------------------------------------------------------------- setup
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first, pinned: an unpinned torch pulls several GB of CUDA wheels
$(STAMPS)/torch: | $(BIN)/python
	$(BIN)/pip install -q "$(TORCH_SPEC)"
	@mkdir -p $(STAMPS) && touch $@

# build tools (jupyterlab brings jlpm); the editable install below runs without build
# isolation, which saves ~20 s of installing jupyterlab into a throwaway environment
$(STAMPS)/buildtools: $(STAMPS)/torch
	$(BIN)/pip install -q "hatchling>=1.5" "hatch-nodejs-version>=0.3.2" "hatch-jupyter-builder>=0.5" editables "jupyterlab>=4.6,<5"
	@touch $@

# the frontend (tsc, webpack labextension, esbuild widget), rebuilt when a source changed
$(STAMPS)/frontend: $(FRONTEND_SOURCES) $(STAMPS)/buildtools
	jlpm install
	jlpm build
	@touch $@

# mgit-lab itself, editable, with every extra (torch pinned again so nothing upgrades it);
# its jupyter-builder hook is skipped because the frontend is already built
$(STAMPS)/python: pyproject.toml package.json $(STAMPS)/buildtools | $(STAMPS)/frontend
	$(BIN)/pip install -q --no-build-isolation -e ".[dev]" "$(TORCH_SPEC)"
	$(BIN)/jupyter labextension develop . --overwrite
	@touch $@

$(STAMPS)/ui-tests: ui-tests/package.json ui-tests/yarn.lock $(STAMPS)/python
	cd ui-tests && jlpm install
	@touch $@

/usr/bin/chromium:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null
	@test -x $@

setup: $(STAMPS)/frontend $(STAMPS)/python $(STAMPS)/ui-tests /usr/bin/chromium

# ---------------------------------------------------------------------------------- lab
demo: $(STAMPS)/python
	@if [ -d "$(DEMO)/.mgit" ]; then \
	  echo "demo repository: $(DEMO) (exists)"; \
	elif [ -f examples/make_demo.py ]; then \
	  $(BIN)/python examples/make_demo.py $(DEMO); \
	else \
	  $(BIN)/mgit init $(DEMO); \
	fi

lab: $(STAMPS)/python $(STAMPS)/frontend demo
	$(BIN)/jupyter lab --ip 127.0.0.1 --port $(PORT) $(ROOT_FLAG) --ServerApp.root_dir="$(DEMO)" $(LAB_ARGS)

# ---------------------------------------------------------------------------------- suites
test: setup
	@$(BIN)/python scripts/run_suites.py lint build pytest test-ts test-ui

lint:
	ruff check .
	ruff format --check .
	mypy
	lint-imports
	jlpm lint

# tsc --strict (build:lib), webpack (labextension) and esbuild (widget bundle); runs only
# when a frontend source changed since the last build (`jlpm build` forces one)
build: $(STAMPS)/frontend
	@echo "frontend built: lib/ (tsc --strict), mgit_lab/labextension/, mgit_lab/static/lineage.js"

pytest:
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-ts:
	jlpm test

test-ui:
	cd ui-tests && jlpm playwright test

clean:
	rm -rf lib lib-test mgit_lab/labextension mgit_lab/static tsconfig.tsbuildinfo ui-tests/test-results
