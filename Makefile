# Bakfiets: everything a fresh machine needs is behind `make demo` and `make test`.
# `make demo`: a real day through the API (40 shops, 300 webshop orders, 8 bikes) into out/demo.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
OSM ?= $(SHARED)/data/osm/copenhagen.osm.bz2
STAMP := $(VENV)/.installed

.PHONY: install services fonts demo test test-fast bench lint clean

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip 2>&1 | { grep -v '^WARNING: Location' || true; }
	$(BIN)/pip install -q -r requirements.lock 2>&1 | { grep -v '^WARNING: Location' || true; }
	$(BIN)/pip install -q --no-deps -e . 2>&1 | { grep -v '^WARNING: Location' || true; }
	touch $(STAMP)

install: $(STAMP)

# PostgreSQL and Redis for the tests marked `postgres` / `redis`; started only if they are down.
services:
	@bash .ci/services.sh

# DejaVu Sans, the font slips and manifests embed (depot/paper/fonts.py); installed if absent.
fonts:
	@[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || { apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-dejavu-core; }

demo: install fonts
	@test -f $(OSM) || { echo "OSM extract not found at $(OSM) (set SHARED=... or OSM=...)"; exit 1; }
	$(BIN)/bakfiets demo --osm $(OSM) --out out/demo
	@echo "map of the rounds: out/demo/rounds.html (plan: out/demo/plan.json)"

test: install services
	$(BIN)/pytest -n 2 --dist loadgroup -q

test-fast: install
	$(BIN)/pytest -n 2 --dist loadgroup -q -m "not slow"

bench: install services
	$(BIN)/python -m bench.maps_bench --osm $(OSM)
	$(BIN)/python -m bench.planner_bench --benchmarks $(SHARED)/data/benchmarks
	$(BIN)/python -m bench.real_days_bench --osm $(OSM)
	$(BIN)/python -m bench.intake_bench --osm $(OSM) --seconds 60
	$(BIN)/python -m bench.slots_bench --osm $(OSM)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
