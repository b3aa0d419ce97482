# Two commands a new user needs: `make demo` and `make test`. Both install into .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test test-fast install bench clean

# pip 23 (the venv default) silently skips trafilatura's lxml[html_clean] extra: upgrade it first.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/dataprep run recipes/quickstart.yaml

test: install
	$(PY) -m pytest

# Unit tests only (no whole Beam pipeline, no quickstart): the loop while editing a stage.
test-fast: install
	$(PY) -m pytest -m "not slow" -q

bench: install
	$(PY) bench/front_half.py
	$(PY) bench/tokenize_speed.py
	$(PY) bench/dedup.py
	$(PY) bench/harmful.py
	$(PY) bench/decontaminate.py
	$(PY) bench/quality.py
	$(PY) bench/lm.py
	$(PY) bench/mixture.py

clean:
	rm -rf out .pytest_cache
