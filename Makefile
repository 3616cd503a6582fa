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

.PHONY: book test unit build-test browser-test env browser-deps html-deps pdf bench clean distclean

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

# The Nu HTML Checker for tests/test_links_html.py: the npm package vnu-jar, pinned in
# package.json/package-lock.json, run on Debian's Java 17. npm ci runs again only when the
# lock file changes; --ignore-scripts skips vnu-jar's postinstall, which would download a
# Java runtime from GitHub when none is found.
html-deps:
	@{ command -v java >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless npm >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless npm >/dev/null; fi; }
	@if [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; fi

unit: env
	$(PY) -m pytest -q -m "not build and not browser and not pdf" -p no:cacheprovider

build-test: env
	$(PY) tools/build_book.py --quiet
	$(PY) -m pytest -q -m build -p no:cacheprovider

browser-test: env browser-deps
	$(PY) -m pytest -q -m browser -p no:cacheprovider

test: env browser-deps html-deps
	$(PY) -m pytest -q -m "not build and not browser and not pdf" -p no:cacheprovider
	$(PY) tools/build_book.py --quiet
	$(PY) -m pytest -q -m "build or browser" -p no:cacheprovider

# The PDF of the book (optional, not part of `make test`): LaTeX from Debian, installed when
# missing (the minimal set, measured: see docs/site.md); poppler-utils for the PDF tests.
# Built from the execution cache of the site, so nothing is executed again after `make book`.
PDF_DEBS := texlive-xetex texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended latexmk fonts-freefont-otf poppler-utils
pdf: env
	@{ command -v xelatex && command -v latexmk && command -v pdfinfo && fc-list | grep -q FreeSerif \
	   && kpsewhich titlesec.sty && kpsewhich rsfs10.tfm; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(PDF_DEBS) >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(PDF_DEBS) >/dev/null; fi; }
	$(PY) tools/build_pdf.py
	$(PY) -m pytest -q -m pdf -p no:cacheprovider

bench: env
	$(PY) benchmarks/run_all.py

clean:
	rm -rf _build/html _build/jupyter_execute _build/.doctrees

distclean:
	rm -rf _build $(VENV)
