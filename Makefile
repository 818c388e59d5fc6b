# One task runner for people and CI. Every target creates the virtual environment it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench fuzz lock clean

# Installs exactly the versions in requirements/dev.lock, checked against their hashes, so that a
# fresh machine runs what CI tested; pyproject.toml keeps the ranges for people who pip install.
$(STAMP): requirements/dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/dev.lock
	# compat: the project's folder on sys.path. The default editable mode puts an import hook in
	# front of every import, which made `finsam-bot ask` a fifth slower to start.
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e . \
		--config-settings editable_mode=compat
	# Bytecode now, for machines that set PYTHONDONTWRITEBYTECODE (it would be compiled anew
	# at every start otherwise).
	$(BIN)/python -m compileall -q bot commands sheets
	touch $(STAMP)

## demo: write a fresh demo workbook and ask the bot about it (no Slack, no Google needed)
demo: $(STAMP)
	$(BIN)/finsam-bot demo-data build/demo.xlsx
	WORKBOOK_PATH=build/demo.xlsx $(BIN)/finsam-bot ask "läge"
	WORKBOOK_PATH=build/demo.xlsx $(BIN)/finsam-bot ask "deltagare RESAM"
	WORKBOOK_PATH=build/demo.xlsx $(BIN)/finsam-bot ask "kontroll"
	WORKBOOK_PATH=build/demo.xlsx $(BIN)/finsam-bot weekly --dry-run

## test: the whole test suite (a few minutes at most)
test: $(STAMP)
	$(BIN)/python -m pytest -q

## fuzz: the property tests with 10 000 examples each and the privacy audit on 1 000 generated sheets, with a fixed seed (takes a while)
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q -p no:cacheprovider $(wildcard tests/test_fuzz_*.py) tests/test_privacy_audit.py

## lint: ruff (lint + format check) and mypy over the three packages
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## bench: the speed measurements of bench/ in one run, ending in one table of the targets with PASS/FAIL (not part of the tests; about four minutes)
bench: $(STAMP)
	$(BIN)/python bench/run.py

## lock: pin the newest versions pyproject.toml allows into requirements/*.lock (then run make test)
lock:
	$(PYTHON) -m venv build/piptools
	build/piptools/bin/python -m pip install --quiet pip-tools
	build/piptools/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links --upgrade -o requirements/main.lock pyproject.toml
	build/piptools/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links --upgrade --extra dev \
		-o requirements/dev.lock pyproject.toml requirements/build.in

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
