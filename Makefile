# Two commands do all the set-up on a fresh machine:
#   make run    create/reuse .venv, install the runtime, start the app
#   make test   create/reuse .venv, install runtime + test tools, lint, run every test
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test lint format bench shots clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) -m streamlit run dashboard.py --server.port $(PORT)

test: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.dev
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(VENV)/.dev
	for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

shots: $(VENV)/.dev
	$(PY) ../shared/tools/shoot.py screenshots

clean:
	rm -rf $(VENV) screenshots .pytest_cache .ruff_cache
