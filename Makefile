# The two commands a fresh machine needs:  make run   and   make test
SHELL := /bin/bash
VENV = $(shell scripts/bootstrap)
PY = $(VENV)/bin/python
export HF_HUB_OFFLINE = 1

.PHONY: run test test-fast check lint typecheck imports pytest chromium chaos es-up es-down bench bench-cluster eval lock openapi

run:  ## Local Elasticsearch up, sample corpus indexed (once), API on http://127.0.0.1:8000
	$(PY) -m caremap run

test: check chromium pytest  ## Lint, type-check, import contract, and every test tier (unit, integration, browser)

test-fast: check  ## The unit tier only: no Elasticsearch, no browser
	$(PY) -m pytest -q tests/unit

check: lint typecheck imports

lint:
	$(PY) -m ruff check caremap api indexer tests bench

typecheck:
	$(PY) -m mypy

imports:  ## The import contract in pyproject.toml: caremap never imports api or indexer; they never import each other
	$(VENV)/bin/lint-imports --no-cache

chromium:
	scripts/ensure-chromium

pytest:
	$(PY) -m pytest -q tests/unit tests/integration tests/browser tests/chaos

chaos:  ## Only the chaos tier: a 3-node cluster it starts, nodes killed, frozen and stopped under searches
	$(PY) -m pytest -q tests/chaos

es-up:
	$(PY) -m caremap es up

es-down:
	$(PY) -m caremap es down

bench:  ## Indexing throughput and query latency on the sample corpus (uses the test node port)
	$(PY) -m bench.search_bench

bench-cluster:  ## The server over 1 node and 3 nodes, with 1 and 2 workers (test node and test cluster ports)
	$(PY) -m bench.cluster_bench

openapi:  ## Regenerate the committed openapi.json (tests/test_openapi_contract.py compares against it)
	$(PY) -m caremap openapi

lock:  ## Re-resolve requirements.lock from pyproject.toml in a scratch venv
	rm -rf /tmp/caremap-lock && python3.11 -m venv /tmp/caremap-lock \
	  && /tmp/caremap-lock/bin/pip install -q '.[dev]' && /tmp/caremap-lock/bin/pip uninstall -q -y caremap \
	  && (head -2 requirements.lock; /tmp/caremap-lock/bin/pip freeze) > requirements.lock.new \
	  && mv requirements.lock.new requirements.lock
