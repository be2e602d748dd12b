# The two commands a fresh machine needs:  make run   and   make test
SHELL := /bin/bash
VENV = $(shell scripts/bootstrap)
PY = $(VENV)/bin/python
export HF_HUB_OFFLINE = 1

.PHONY: run test check lint typecheck pytest es-up es-down bench eval lock openapi

run:  ## Local Elasticsearch up, sample corpus indexed (once), API on http://127.0.0.1:8000
	$(PY) -m caremap run

test: check pytest  ## Lint, type-check, and the whole test suite against a real test node

check: lint typecheck

lint:
	$(PY) -m ruff check caremap api indexer tests bench

typecheck:
	$(PY) -m mypy

pytest:
	$(PY) -m pytest -q

es-up:
	$(PY) -m caremap es up

es-down:
	$(PY) -m caremap es down

bench:  ## Indexing throughput and query latency on the sample corpus (uses the test node port)
	$(PY) -m bench.search_bench

openapi:  ## Regenerate the committed openapi.json (tests/test_openapi_contract.py compares against it)
	$(PY) -m caremap openapi

lock:  ## Re-resolve requirements.lock from pyproject.toml in a scratch venv
	rm -rf /tmp/caremap-lock && python3.11 -m venv /tmp/caremap-lock \
	  && /tmp/caremap-lock/bin/pip install -q '.[dev]' && /tmp/caremap-lock/bin/pip uninstall -q -y caremap \
	  && (head -2 requirements.lock; /tmp/caremap-lock/bin/pip freeze) > requirements.lock.new \
	  && mv requirements.lock.new requirements.lock
