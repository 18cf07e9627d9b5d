# Two commands for a fresh clone (see README): `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PLUGINS := $(sort $(dir $(wildcard plugins/*/pyproject.toml)))
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run serve test lint bench fuzz clean

# Re-install only when a pyproject changes; editable installs pick up code changes by themselves.
$(VENV)/.installed: pyproject.toml $(wildcard plugins/*/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]" $(addprefix -e ,$(PLUGINS))
	touch $@

install: $(VENV)/.installed

# The main job on its embedded default: create or migrate the catalog schema, refresh every
# built-in source from its sample origin into SQLite + datasets/, then serve the API and portal
# on 127.0.0.1. A failed refresh is reported and the last good versions are served.
run: install
	$(BIN)/opendata db upgrade
	$(BIN)/opendata refresh --all || echo "some refreshes failed (see above); serving the last good versions"
	$(BIN)/opendata serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/opendata serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest

# Style, types, the layering contracts (pyproject's [tool.importlinter]) and the complexity
# ceiling (15 per function: ruff's C901 and radon's stricter count).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy opendata $(foreach p,$(PLUGINS),$(filter-out %.egg-info,$(wildcard $(p)opendata_*)))
	$(BIN)/lint-imports
	$(BIN)/python tools/complexity.py --max 15 opendata plugins tools

bench: install
	$(BIN)/python bench/run_all.py

# Differential fuzzing of opendata's validator against frictionless with fresh seeds for
# FUZZ_SECONDS (default 600); prints how many examples it tried, or the first difference.
FUZZ_SECONDS ?= 600
fuzz: install
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/python tests/test_validation_differential.py

clean:
	rm -rf $(VENV) instance datasets/*/ .pytest_cache
