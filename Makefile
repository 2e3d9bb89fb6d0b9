# Otklik — every task a developer or CI runs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STATIC := src/otklik/static
FRONTEND_SOURCES := $(shell find frontend -path frontend/node_modules -prune -o -type f -print 2>/dev/null)
WIDGET_SOURCES := $(shell find widget -path widget/node_modules -prune -o -type f -print 2>/dev/null)
PG_TEST_URL ?= postgresql+asyncpg://postgres:postgres@127.0.0.1:5432/otklik_test

.PHONY: help install lock upgrade-lock build run demo test test-python test-js test-e2e lint format bench bench-quick clean

help: ## List the targets
	@grep -E '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  \033[1m%-12s\033[0m %s\n", $$1, $$2}'

LOCK_COMMAND := uv pip compile pyproject.toml requirements-build.in --extra test --extra bench \
	--python-version 3.11 --universal --generate-hashes -q -o requirements.lock

# Every package comes from requirements.lock (exact versions and hashes); Otklik itself is
# installed on top without dependencies, so nothing unlocked can slip in.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install Otklik with its test tools from requirements.lock

lock: $(STAMP) ## Re-resolve requirements.lock within pyproject.toml's ranges (keeps pins; see README)
	$(BIN)/$(LOCK_COMMAND)

upgrade-lock: $(STAMP) ## Upgrade every locked package to the newest version the ranges allow
	$(BIN)/$(LOCK_COMMAND) --upgrade

# The front ends' realtime frame types are generated from the server's models before every
# build, typecheck and test (npm pre-scripts → scripts/gen-frame-types.mjs → `python -m
# otklik.frames`, git-ignored src/generated/events.ts): the venv comes first, and its Python
# is the one they run.
NPM_ENV := PYTHON=$(CURDIR)/$(BIN)/python

$(STATIC)/app/index.html: $(FRONTEND_SOURCES) | $(STAMP)
	cd frontend && npm ci --no-audit --no-fund && $(NPM_ENV) npm run build

$(STATIC)/widget/widget.js: $(WIDGET_SOURCES) | $(STAMP)
	cd widget && npm ci --no-audit --no-fund && $(NPM_ENV) npm run build

build: $(STAMP) $(STATIC)/app/index.html $(STATIC)/widget/widget.js ## Build the operator app and the widget into the package

run: build ## Install, build, migrate, seed the demo workspace and serve on http://127.0.0.1:8000
	$(BIN)/otklik demo
	$(BIN)/otklik run --host 127.0.0.1 --port 8000

demo: $(STAMP) ## Seed the demo workspace only
	$(BIN)/otklik demo

lint: $(STAMP) ## ruff, ruff format --check, mypy --strict and the import contracts (lint-imports)
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)
	$(BIN)/mypy src
	$(BIN)/lint-imports

format: $(STAMP) ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix src tests $(wildcard bench)
	$(BIN)/ruff format src tests $(wildcard bench)

test-js: build ## Vitest and type checks of the operator app and the widget
	cd frontend && $(NPM_ENV) npm run typecheck && $(NPM_ENV) npm test
	cd widget && $(NPM_ENV) npm run typecheck && $(NPM_ENV) npm test

test-python: $(STAMP) ## pytest on SQLite and PostgreSQL at once (no browser)
	OTKLIK_TEST_PG_URL=$(PG_TEST_URL) scripts/test-python.sh $(BIN)

test-e2e: build ## Browser tests: Playwright driving Debian's chromium
	OTKLIK_TEST_PG_URL=$(PG_TEST_URL) $(BIN)/pytest -q -m e2e --durations=10

test: ## Install what the tests need (chromium, PostgreSQL) and run every test
	scripts/ensure-test-services.sh
	$(MAKE) build
	# Lint and the front ends' tests side by side (each log kept whole): a minute less.
	$(MAKE) --output-sync=target -j2 lint test-js
	# The Python suites and the browser tests side by side too: they spend much of their
	# time waiting (fsync, sockets, the browser); on two busy cores 26 min instead of 28.6
	# one after the other (4 Dec 2026). Each log is printed whole when its target ends.
	$(MAKE) --output-sync=target -j2 test-python test-e2e

bench: build ## Benchmarks with baselines (minutes; see bench/RESULTS.md)
	$(BIN)/python -m bench.run

bench-quick: build ## Benchmarks, quick mode (under 4 minutes)
	$(BIN)/python -m bench.run --quick

clean: ## Remove the venv, builds and local data
	rm -rf $(VENV) $(STATIC)/app $(STATIC)/widget frontend/node_modules widget/node_modules data \
		frontend/src/generated widget/src/generated
