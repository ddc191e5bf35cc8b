PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test install install-dev benchmarks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP) $@

install: $(STAMP)
install-dev: $(DEV_STAMP)

demo: $(STAMP)
	$(BIN)/reglab demo

test: $(DEV_STAMP)
	$(BIN)/python -m pytest

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/single_run_vs_seed000.py

clean:
	rm -rf $(VENV) reglab-runs .pytest_cache
