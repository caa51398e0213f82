# Set-up and checks. Every target creates the virtual environment first if it is missing.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
DEMO   ?= latentdam-library

.PHONY: install browser demo test lint bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: ingest the bundled sample library, then search it
demo: install
	$(PY) scripts/make_samples.py  # re-dates the samples (git does not keep mtimes)
	$(VENV)/bin/latentdam ingest samples --library $(DEMO)
	$(VENV)/bin/latentdam stats --library $(DEMO)
	$(VENV)/bin/latentdam search "cyberpunk street scene" --library $(DEMO) --limit 3
	$(VENV)/bin/latentdam search "cute animals" --tool comfyui --library $(DEMO) --limit 3

## browser: Debian's Chromium for the gallery's browser tests (Playwright's own download cannot work offline)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq || true; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

## test: lint, type-check and run the whole test suite
test: install browser lint
	$(VENV)/bin/pytest -q -n auto --dist loadgroup -m "" --durations=15  # every test, slow ones too (plain pytest skips them); the 15 slowest listed

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

## bench: search quality on the shared dev sets, in a fresh work folder per run (BENCH_DIR=... reuses one)
bench: install
	$(PY) bench/quality.py --workdir "$${BENCH_DIR:-$$(mktemp -d -t latentdam-bench.XXXXXX)}"

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .mypy_cache .ruff_cache
