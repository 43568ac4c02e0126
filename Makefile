# Set-up and everyday commands. `make app` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: app test lint bench setup clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.txt requirements-dev.txt pyproject.toml
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

setup: $(VENV)/.installed  ## create .venv and install everything

app: setup  ## start the dashboard on the demo data
	$(BIN)/streamlit run app.py --server.port $(PORT)

test: setup  ## run the whole test suite
	$(BIN)/pytest segmentation tests

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: setup  ## speed and quality against the reference tools; writes bench/results.md
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
