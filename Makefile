# Two commands do all the set-up on a fresh machine:
#   make run    create/reuse .venv, install the runtime, start the app
#   make test   create/reuse .venv, install runtime + test tools, lint, run every test
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501


.PHONY: run class class-demo dev test lint format bench shots clean messages

# Translations (README "Languages"): the English text is in the code, wrapped in _() / N_() /
# ngettext(); each language's catalog is locales/<lang>/LC_MESSAGES/messages.po, compiled in memory
# by the app itself (core/base/i18n.py), so there is no compile step and no .mo file to keep.
POT      := locales/messages.pot
KEYWORDS := --no-default-keywords -k _ -k N_ -k ngettext:1,2

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) -m streamlit run dashboard.py --server.port $(PORT)

# A server for a class: public mode (each tab's runs its own, bounds), on every interface.
class: $(VENV)/.runtime
	LAB_PUBLIC=1 $(PY) -m streamlit run dashboard.py --server.address 0.0.0.0 --server.port $(PORT)

# A teacher's rehearsal: the real server, N students train sigmoid or ReLU at depth 10 and publish
# to the class board; prints what the board then shows (bench/class_demo.py).
N ?= 10
class-demo: $(VENV)/.dev
	$(PY) bench/class_demo.py --n $(N)

# While editing the code: reload on save, watching the project but not .venv or the data folder.
dev: $(VENV)/.runtime
	$(PY) -m streamlit run dashboard.py --server.port $(PORT) --server.fileWatcherType auto \
		--server.runOnSave true --server.folderWatchBlacklist .venv

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

# Extract every wrapped string into the template, merge it into each catalog (new strings come in
# untranslated, changed ones marked fuzzy: both shown in English until translated and reviewed),
# then say which strings still need a translation.
messages: $(VENV)/.dev
	$(VENV)/bin/pybabel extract -F babel.cfg $(KEYWORDS) --add-location=file --no-wrap --sort-by-file \
		--project="deep-learning lab" --copyright-holder="deep-learning lab" -o $(POT) .
	$(VENV)/bin/pybabel update -i $(POT) -d locales -D messages --no-wrap --ignore-pot-creation-date --ignore-obsolete
	$(PY) -m pytest -q tests/core/base/test_i18n_catalog.py

clean:
	rm -rf $(VENV) screenshots .pytest_cache .ruff_cache
