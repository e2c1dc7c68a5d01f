# The front door. `make report` builds the demonstration report end to end;
# `make test` runs the test suite. Both install what they need first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
FORCE ?= demoshire
QUARTER ?= 2022-23-Q2
DEMO_DATA := data/demo/police-uk
OUT ?= reports

export GX_ANALYTICS_ENABLED := false
export MPLBACKEND := Agg

.PHONY: setup demo-data report test lint bench clean

setup:
	@bash scripts/setup.sh

demo-data: setup
	$(BIN)/pcc-report demo-data --out data/demo

report: demo-data
	$(BIN)/pcc-report run --force $(FORCE) --quarter $(QUARTER) --police-uk $(DEMO_DATA) \
		--returns data/demo/returns --narrative data/demo/narrative --edition both --out $(OUT) \
		$(ARGS)

test: setup
	$(BIN)/ruff check src tests scripts
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts

bench: setup
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(OUT) data/demo .pytest_cache
