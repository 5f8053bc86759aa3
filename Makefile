# Set-up and everyday commands. Each target builds the virtual environment on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint clean

# The editable install runs without setuptools' generic caution about editable
# installs, which every first run printed and a new user read as a fault (a trial).
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	PYTHONWARNINGS="ignore:Editable installation:UserWarning" \
	  $(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)  ## launch the desktop app with the shipped model
	$(PY) -m app

test: lint  ## lint, import boundaries, static types of core/models, full test suite (offscreen Qt, CPU)
	$(PY) -m pytest

lint: $(STAMP)  ## ruff, import boundaries, static types of core/models (no tests)
	$(VENV)/bin/ruff check app core models tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .pytest_cache
