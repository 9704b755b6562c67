# Cadabra sandbox. `make` (or `make help`) lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
CADABRA := $(VENV)/bin/cadabra
STAMP  := $(VENV)/.installed-stamp
# STACK=embedded|docker|aws picks the stack (default: Docker when an engine answers, else embedded).
STACK ?=
ifneq ($(STACK),)
export CADABRA_STACK := $(STACK)
endif
PYTEST_ARGS ?=
# Playwright (tests/browser/) drives Debian's Chromium at /usr/bin/chromium: never download a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: help setup up down status deploy destroy demo test test-fast bench clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: $(STAMP) ## Create .venv and install the project and its test tools (no-op when nothing changed)

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --progress-bar off -e ".[docker,test]"
	@touch $(STAMP)

up: setup ## Start the stack (embedded unless Docker answers; STACK= overrides), deploy, print endpoints
	$(CADABRA) up

down: setup ## Stop everything `make up` started
	$(CADABRA) down

status: setup ## Health of every component (`cadabra status --json` for JSON)
	$(CADABRA) status

deploy: setup ## Create or update every pipeline's resources (idempotent)
	$(CADABRA) deploy

destroy: setup ## Remove every pipeline's resources
	$(CADABRA) destroy

demo: setup ## Start (or use) the stack, deploy, run every pipeline's demo step, say where to look
	$(CADABRA) demo

test: setup ## Run the whole test suite (starts and stops its own embedded stack)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: setup ## Run the tests not marked slow
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

bench: setup ## Run the benchmarks in tests/bench/ (prints numbers and ratios)
	$(PY) -m tests.bench.run

clean: ## Stop the stack and delete .sandbox/ (data, logs) and caches; keeps .venv
	-@test -x $(CADABRA) && $(CADABRA) down
	rm -rf .sandbox .pytest_cache
	find . -name __pycache__ -type d -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
