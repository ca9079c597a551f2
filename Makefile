# landplan: set-up, tests, app, benchmarks.
#
#   make test    venv + install + system packages the tests need, then the whole test suite
#   make app     venv + install, then the map app on the demo workspace (PORT=8501 WORKSPACE=data
#                ADDRESS=127.0.0.1; another address needs LANDPLAN_APP_PASSWORD or _PASSWORD_FILE)
#   make bench   every bench/*.py, then the growth table (BENCH_SIZES="10000 100000" for a quick run)
#   make lint    ruff check
#   make figures the README's 专题图 (docs/img/idle-map.png) drawn by landplan map from the demo park
#   make clean   caches and build output (make distclean also removes .venv)
#
# System packages come from apt, only when one is missing (dpkg -s), with sudo when not root.
# To add packages, add a SYSDEPS_<NAME> list and put it in SYSDEPS.

PYTHON    ?= python3
VENV      := .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.installed
PORT      ?= 8501
ADDRESS   ?= 127.0.0.1
WORKSPACE ?= data
PYTEST_ARGS ?=
# make bench: parcel counts for the benches that take --sizes (empty: their defaults, 10k/100k/1M)
BENCH_SIZES ?=
BENCH_SCALED := coverage_bench efficiency_bench evaluate_bench idle_bench io_bench terrain_bench
LANDPLAN_MAKE_BENCH_ENV := LANDPLAN_MAKE_BENCH=1

# System packages, by what needs them.
# the app's end-to-end test: Debian's Chromium (Playwright drives it) and CJK fonts
SYSDEPS_BROWSER := chromium fonts-noto-cjk
# tests/test_postgis.py: a throwaway PostgreSQL 15 + PostGIS 3 server (binaries in /usr/lib/postgresql/15/bin)
SYSDEPS_POSTGIS := postgresql-15 postgresql-15-postgis-3
# landplan report: WeasyPrint lays out PDFs with pango; CJK fonts embedded; tests read PDFs with
# pdftotext/pdftoppm (poppler-utils)
SYSDEPS_REPORT  := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk poppler-utils
SYSDEPS         := $(SYSDEPS_BROWSER) $(SYSDEPS_POSTGIS) $(SYSDEPS_REPORT)

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all venv install sysdeps test app bench lint figures clean distclean

all: test

$(PY):
	$(PYTHON) -m venv $(VENV)

# Re-installs only when pyproject.toml is newer than the stamp (or the venv is new).
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(PY)
install: $(STAMP)

sysdeps:
	@if ! command -v dpkg >/dev/null 2>&1; then \
	    echo "sysdeps: no dpkg here; install by hand: $(SYSDEPS)"; exit 0; \
	fi; \
	missing=""; \
	for pkg in $(SYSDEPS); do \
	    dpkg -s "$$pkg" 2>/dev/null | grep -q '^Status: install ok installed' \
	        || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "sysdeps: installing$$missing"; \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	        --no-install-recommends $$missing </dev/null; \
	else \
	    echo "sysdeps: all present ($(strip $(SYSDEPS)))"; \
	fi

test: install sysdeps
	$(PY) -m pytest $(PYTEST_ARGS)

app: install
	$(PY) -m landplan.app.server run app.py --server.headless true --server.port $(PORT) \
	    --server.address $(ADDRESS) --browser.gatherUsageStats false -- --workspace $(WORKSPACE)

# Every bench/[!_]*.py in name order (each rewrites its section of bench/RESULTS.md), then
# bench/_growth.py (the growth table, from the figures the benches saved). The benches named in
# BENCH_SCALED take --sizes (default 10000 100000 1000000 each); BENCH_SIZES="10000 100000"
# passes --sizes to them for a quicker run. The reports bench stays at 1,000 parcels and the app
# bench at 300 / 100,000. Stops at the first failing bench.
bench: install
	@set -e; found=0; \
	for script in bench/[!_]*.py; do \
	    [ -e "$$script" ] || continue; found=1; \
	    args=""; \
	    case " $(BENCH_SCALED) " in *" $$(basename "$$script" .py) "*) \
	        [ -z "$(strip $(BENCH_SIZES))" ] || args="--sizes $(BENCH_SIZES)";; esac; \
	    echo "== $$script $$args"; $(LANDPLAN_MAKE_BENCH_ENV) $(PY) "$$script" $$args; \
	done; \
	if [ "$$found" = 1 ]; then echo "== bench/_growth.py"; $(LANDPLAN_MAKE_BENCH_ENV) $(PY) bench/_growth.py; \
	else echo "bench: no bench/*.py yet"; fi

lint: install
	$(VENV)/bin/ruff check .

# The README's 专题图: the demo park's idle land as of a fixed date, the data dated by the last commit
# of the demo parcels (so that the image changes only when the data or the drawing does).
FIGURE_AS_OF ?= 2025-06-30
figures: install
	@mkdir -p docs/img
	$(VENV)/bin/landplan map --theme idle_status --workspace data --as-of $(FIGURE_AS_OF) \
	    --data-date "$$(git log -1 --format=%cs -- data/parcels 2>/dev/null || date +%F)" \
	    --lang zh --dpi 110 --out docs/img/idle-map.png

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .hypothesis bench/_work $(STAMP)
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
