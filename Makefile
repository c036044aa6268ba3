# Megáfono: `make serve` runs it locally, `make test` runs every test. See README.md.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test test-prerequisites bench translations lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall when the dependencies change; the stamps keep later runs quick.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

## serve: set up SQLite and the demo campaigns, then serve on http://127.0.0.1:8000
serve: $(VENV)/.installed-run
	MEGAFONO_ENV=development $(BIN)/flask --app widget setup
	@echo "Megáfono is running: http://$(HOST):$(PORT)/embed/demo-petition"
	MEGAFONO_ENV=development MEGAFONO_BIND=$(HOST):$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

## test: install, make sure PostgreSQL and Chromium are there, run the whole suite (SQLite and PostgreSQL)
test: $(VENV)/.installed-test test-prerequisites
	$(BIN)/ruff check widget tests bench wsgi.py gunicorn.conf.py
	$(BIN)/pytest

test-prerequisites:
	bash scripts/test-prerequisites.sh

## bench: the project's own benchmarks (results go in docs/performance.md); installs wrk if missing
bench: $(VENV)/.installed-test
	bash scripts/bench-prerequisites.sh
	$(BIN)/python bench/zip_lookup.py
	$(BIN)/python bench/graphics_render.py
	$(BIN)/python bench/submission_cost.py
	$(BIN)/python bench/http_bench.py

## translations: collect new strings and merge them into every catalog
translations: $(VENV)/.installed-run
	MEGAFONO_ENV=development $(BIN)/flask --app widget translate extract
	MEGAFONO_ENV=development $(BIN)/flask --app widget translate update

lint: $(VENV)/.installed-test
	$(BIN)/ruff check widget tests bench wsgi.py gunicorn.conf.py

# Never instance/: it holds the SQLite database (every signature) and the development key.
clean:
	rm -rf $(VENV) .pytest_cache artifacts
	find . -name '*.mo' -path './translations/*' -delete
