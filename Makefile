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

.PHONY: run serve test lint format bench install install-dev tools chromium migrate seed build clean help lock \
	messages compile-messages \
	image-os-deps image-runtime

help:
	@echo "make run    - install, migrate, seed the demo, build the frontend if it changed, serve on :$(PORT)"
	@echo "make build  - compile + build the frontend once (skipped when its sources did not change)"
	@echo "make serve  - python -m khala serve: migrate, then serve the prebuilt frontend and the backend"
	@echo "make test   - install test tools (Playwright, Chromium, Azurite) and run the whole suite"
	@echo "make lint   - ruff check, ruff format --check, lint-imports, lock check, pip-audit, hadolint (Dockerfile)"
	@echo "make lock   - regenerate requirements.lock / requirements-dev.lock (hashes) after editing requirements*.txt"
	@echo "make messages - extract our words into khala/locale/messages.pot, update the en/sv catalogs, compile them"
	@echo "make bench  - every benchmark; writes bench/RESULTS.md (+ bench/results/*.json)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Python packages come from the lock files: the whole tree pinned, every file's SHA-256 checked
# (`make lock` regenerates them after a change to requirements*.txt; .ci/check-lock.py notices a forgotten one).
$(VENV)/.installed: requirements.lock requirements.txt | $(BIN)/python
	$(PYTHON) .ci/check-lock.py runtime
	$(BIN)/pip install -q --require-hashes --no-deps -r requirements.lock
	touch $@

$(VENV)/.dev-installed: requirements-dev.lock requirements-dev.txt $(VENV)/.installed
	$(PYTHON) .ci/check-lock.py dev
	$(BIN)/pip install -q --require-hashes --no-deps -r requirements-dev.lock
	touch $@

UV_COMPILE := $(BIN)/uv pip compile --generate-hashes --universal --python-version 3.11 --custom-compile-command "make lock"
# Not behind the install steps: a pin added to requirements*.txt makes them refuse until the lock is regenerated.
lock: | $(BIN)/python
	@test -x $(BIN)/uv || $(BIN)/pip install -q uv
	$(UV_COMPILE) requirements.txt -o requirements.lock
	$(UV_COMPILE) requirements-dev.txt -c requirements.lock -o requirements-dev.lock

# Translations (khala/lib/i18n.py): .po files are the source and committed; the .mo files are compiled from them
# (not committed: a missing or stale .mo is compiled in memory at first use, so a fresh clone still speaks Swedish).
LOCALE_DIR := khala/locale
PYBABEL_KEYWORDS := -k _ -k N_ -k t -k gettext -k ngettext:1,2 -k tn:1,2 -k pgettext:1c,2 -k tp:1c,2 -k npgettext:1c,2,3
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg $(PYBABEL_KEYWORDS) --no-location --sort-output \
	  --project Khala --msgid-bugs-address "" -w 116 -o $(LOCALE_DIR)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) -D messages --no-fuzzy-matching -w 116
	$(BIN)/pybabel compile -d $(LOCALE_DIR) -D messages --statistics

# Each .mo is remade only when its .po is newer (no process at all on a second `make run`).
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(LOCALE_DIR)/*/LC_MESSAGES/messages.po))
compile-messages: $(MO_FILES)
$(LOCALE_DIR)/%/LC_MESSAGES/messages.mo: $(LOCALE_DIR)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile -d $(LOCALE_DIR) -D messages -l $*

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

# The frontend is compiled and bundled once; rebuilt only when khala/**/*.py, assets/, rxconfig.py, reflex.lock
# or the Reflex version changed (hash stamped in .web/build/khala-build.json).
build: install compile-messages
	$(BIN)/python -m khala build --if-changed
	$(BIN)/python -m compileall -q -j 0 khala rxconfig.py >/dev/null

serve: build migrate
	$(BIN)/python -m khala serve --host $(HOST) --port $(PORT)

run: install compile-messages
	@echo
	@echo "  Khala is starting on http://localhost:$(PORT)  (demo data loaded)"
	@echo "  Make yourself an administrator:  $(BIN)/python -m khala create-admin --email you@example.com"
	@echo "  No SMTP configured: mails (with their links) are printed in this log."
	@echo
	$(BIN)/python -m khala run --host $(HOST) --port $(PORT)

test: install-dev compile-messages build
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(PYTHON) .ci/check-lock.py
	$(BIN)/python .ci/audit-deps.py
	$(BIN)/hadolint Dockerfile

# --- container image steps (the Dockerfile runs these; CI runs them too) ------------------------------------
# OS packages the build stage needs (make, Node.js + npm for bun); a no-op where they are present.
image-os-deps:
	bash .ci/os-packages.sh

# Copy what the runtime image carries (no venv, no bun, no tests, no Azurite) into $(DEST).
image-runtime: build
	@test -n "$(DEST)" || { echo "usage: make image-runtime DEST=/path"; exit 2; }
	bash .ci/runtime-tree.sh "$(DEST)"

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev build
	$(BIN)/python bench/run_all.py

clean:
	rm -rf .web .states $(VENV)/.installed $(VENV)/.dev-installed $(TOOLS)/.installed
