# Khala — the two commands: `make run` (demo site on http://localhost:3000) and `make test`.
# Every step installs what it needs and skips what is already done.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
PORT ?= 3000
HOST ?= 127.0.0.1
export PORT

export PATH := $(CURDIR)/$(TOOLS)/node_modules/.bin:$(CURDIR)/$(BIN):$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint format bench install install-dev tools chromium migrate seed build clean help

help:
	@echo "make run    - install, migrate, seed the demo and serve on http://localhost:$(PORT)"
	@echo "make test   - install test tools (Playwright, Chromium, Azurite) and run the whole suite"
	@echo "make lint   - ruff check, ruff format --check, lint-imports"
	@echo "make bench  - catalogue and rush benchmarks (tables + bench/results/*.json)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# bun (Reflex's frontend toolchain) and Azurite come from the npm registry into a project-local folder.
$(TOOLS)/.installed: $(TOOLS)/package.json
	cd $(TOOLS) && npm install --no-audit --no-fund --loglevel=error
	bun --version >/dev/null
	touch $@

install: $(VENV)/.installed $(TOOLS)/.installed
install-dev: install $(VENV)/.dev-installed chromium
tools: $(TOOLS)/.installed

# Debian's Chromium for the browser journeys (Playwright's own browser download is not used).
chromium:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

migrate: install
	$(BIN)/python -m khala migrate

seed: migrate
	$(BIN)/python -m khala seed-demo --if-empty

run: seed
	@echo
	@echo "  Khala is starting on http://localhost:$(PORT)  (demo data loaded)"
	@echo "  Make yourself an administrator:  $(BIN)/python -m khala create-admin --email you@example.com"
	@echo "  No SMTP configured: mails (with their links) are printed in this log."
	@echo
	$(BIN)/reflex run --env prod --frontend-port $(PORT) --backend-port $(PORT) --backend-host $(HOST) --loglevel warning

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev
	$(BIN)/python bench/catalogue.py
	$(BIN)/python bench/rush.py
	@if [ -f bench/catalogue_ui.py ]; then $(BIN)/python bench/catalogue_ui.py; fi
	@if [ -f bench/mail.py ]; then $(BIN)/python bench/mail.py; fi

clean:
	rm -rf .web .states $(VENV)/.installed $(VENV)/.dev-installed $(TOOLS)/.installed
