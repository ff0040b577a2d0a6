# The two commands of the README: `make demo` and `make test`.
# Both create .venv when it is missing and install what they need.
# torch is pinned first to the CPU build that lies on this machine's disk;
# the package itself only asks for a range that admits it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH := torch==2.13.0
STAMP := $(VENV)/.installed

# pytest-xdist spreads the tests over every core (each worker one thread; the tests of one
# xdist_group, which share a trained model, on one worker, so it is trained once);
# `make test` leaves out the tests marked slow, `make test-all` runs everything.
PYTEST := $(BIN)/python -m pytest -q -n auto --dist loadgroup

.PHONY: demo test test-all lint install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/wavecraft demo --out build/demo --force

test: $(STAMP)
	$(PYTEST) -m "not slow"

test-all: $(STAMP)
	$(PYTEST)

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) build .pytest_cache
