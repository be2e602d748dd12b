"""Benchmark: typeahead (/v1/suggest) latency, as a user types the judgment queries character by character.

    python -m bench.suggest_bench                  # 1000 prefixes
    python -m bench.suggest_bench --prefixes 3000

The prefixes are every leading substring (1-40 characters) of the real queries in corpus/judgments/dev.yaml,
deduplicated and sampled evenly. Each is sent through the real HTTP app in-process (like bench.search_bench);
suggestions are computed in memory, so no index is built and Elasticsearch is never queried. Also prints the
time inside the suggester alone, to separate it from the HTTP stack. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
import uuid

from fastapi.testclient import TestClient

from api.main import create_app
from api.suggest import Suggester
from bench.search_bench import percentile
from caremap.corpus.load import load_judgments
from caremap.settings import PROJECT_ROOT, Settings

MAX_PREFIX_CHARS = 40


def typed_prefixes(queries: list[str], count: int) -> list[str]:
    """What the box holds after each keystroke of each query, without repeats, ``count`` of them evenly."""
    seen = dict.fromkeys(
        q[:n] for q in queries for n in range(1, min(len(q), MAX_PREFIX_CHARS) + 1) if q[:n].strip()
    )
    every = list(seen)
    if len(every) <= count:
        return every
    step = len(every) / count
    return [every[int(i * step)] for i in range(count)]


def report(name: str, values: list[float]) -> None:
    print(f"{name:<18}p50 {percentile(values, 50):6.2f} ms   p95 {percentile(values, 95):6.2f} ms   "
          f"p99 {percentile(values, 99):6.2f} ms   max {max(values):6.2f} ms   mean {statistics.mean(values):6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prefixes", type=int, default=1000, help="how many prefixes to time (>= 500)")
    parser.add_argument("--limit", type=int, default=8, help="suggestions per request")
    args = parser.parse_args()

    settings = Settings(es_url=os.environ.get("CAREMAP_TEST_ES_URL", "http://127.0.0.1:9250"),
                        index_prefix=f"bench-{uuid.uuid4().hex[:6]}", rate_limit="1000000/minute")
    queries = [j.query for j in load_judgments(PROJECT_ROOT / "corpus" / "judgments" / "dev.yaml")]
    prefixes = typed_prefixes(queries, max(args.prefixes, 500))

    app = create_app(settings)
    for noisy in ("caremap.access", "httpx", "httpx2", "elastic_transport"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    total: list[float] = []
    inner: list[float] = []
    by_length: dict[str, list[float]] = {"1-3 chars": [], "4-10 chars": [], "11+ chars": []}
    empty = 0
    with TestClient(app) as client:
        started = time.perf_counter()
        suggester: Suggester = app.state.resources.suggester
        client.get("/v1/suggest", params={"q": "warm up"}).raise_for_status()
        for prefix in prefixes:
            t0 = time.perf_counter()
            response = client.get("/v1/suggest", params={"q": prefix, "limit": args.limit})
            elapsed = (time.perf_counter() - t0) * 1000
            response.raise_for_status()
            empty += not response.json()["suggestions"]
            total.append(elapsed)
            bucket = "1-3 chars" if len(prefix) <= 3 else "4-10 chars" if len(prefix) <= 10 else "11+ chars"
            by_length[bucket].append(elapsed)
        for prefix in prefixes:
            t0 = time.perf_counter()
            suggester.suggest(prefix, limit=args.limit)
            inner.append((time.perf_counter() - t0) * 1000)
        wall = time.perf_counter() - started

    print(f"== suggest ({len(prefixes)} prefixes of {len(queries)} judgment queries, limit {args.limit}, "
          f"one client, {wall:.1f} s)")
    report("end-to-end", total)
    for bucket, values in by_length.items():
        if values:
            report(f"  {bucket} ({len(values)})", values)
    report("suggester alone", inner)
    print(f"prefixes with no suggestion: {empty} ({empty / len(prefixes):.0%})")


if __name__ == "__main__":
    main()
