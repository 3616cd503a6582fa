# Two commands:  make book  (build the executed site into _build/html)
#                make test  (unit tests, strict book build, HTML and browser checks)
# Both create .venv from requirements.txt on first use (Python 3.11) and install
# lessonlib from this repository in editable mode.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stamp-$(shell cat requirements.txt pyproject.toml | sha256sum | cut -c1-12)
export NUMBA_CACHE_DIR := $(CURDIR)/_build/.numba_cache
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: book test unit build-test browser-test env browser-deps pdf bench clean distclean

env: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "python3.11 not found"; exit 1; }
	@rm -f $(VENV)/.stamp-*
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

book: env
	$(PY) tools/build_book.py

# Chromium for the browser tests comes from Debian (Playwright's own download is not used).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

unit: env
	$(PY) -m pytest -q -m "not build and not browser" -p no:cacheprovider

build-test: env
	$(PY) tools/build_book.py --quiet
	$(PY) -m pytest -q -m build -p no:cacheprovider

browser-test: env browser-deps
	$(PY) -m pytest -q -m browser -p no:cacheprovider

test: env browser-deps
	$(PY) -m pytest -q -m "not build and not browser" -p no:cacheprovider
	$(PY) tools/build_book.py --quiet
	$(PY) -m pytest -q -m "build or browser" -p no:cacheprovider

bench: env
	$(PY) benchmarks/run_all.py

clean:
	rm -rf _build/html _build/jupyter_execute _build/.doctrees

distclean:
	rm -rf _build $(VENV)
