"""Benchmark: indexing throughput and search latency on the sample corpus, with where the time goes.

    make bench                       # sample providers
    python -m bench.search_bench --providers big.jsonl --queries 400

It indexes under its own prefix on the test node (CAREMAP_TEST_ES_URL, default port 9250), then replays the
judgment queries (cycled over places) through the real HTTP app in-process, reading each response's
Server-Timing header for the embedding and Elasticsearch shares. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
import uuid
from pathlib import Path

from fastapi.testclient import TestClient

from api.main import create_app
from caremap.corpus.load import load_judgments
from caremap.es_client import delete_indices, sync_client
from caremap.localnode import LocalNode
from caremap.settings import PROJECT_ROOT, Settings
from indexer.build import build_indices

PLACES = ["Serzhong", "Boston", "Denver", "Austin", "Chicago", "Seattle", "Marrow Creek"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def parse_timing(header: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in header.split(","):
        name, _, rest = part.strip().partition(";")
        if rest.startswith("dur="):
            out[name] = float(rest[4:])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--providers", type=Path, default=None, help="providers JSON Lines (default: the sample)")
    parser.add_argument("--queries", type=int, default=300, help="how many searches to time (>= 200)")
    parser.add_argument("--keep", action="store_true", help="keep the bench indices afterwards")
    args = parser.parse_args()

    settings = Settings(es_url=os.environ.get("CAREMAP_TEST_ES_URL", "http://127.0.0.1:9250"),
                        index_prefix=f"bench-{uuid.uuid4().hex[:6]}", providers_file=args.providers)
    if settings.es_is_local:
        LocalNode.from_settings(settings).up()

    started = time.perf_counter()
    report = build_indices(settings, progress=False)
    wall = time.perf_counter() - started
    docs = sum(report["counts"].values())
    print(f"== indexing (prefix {settings.index_prefix})")
    print(f"documents         {docs}  ({report['counts']})")
    print(f"wall time         {wall:.1f} s   throughput {docs / wall:.0f} docs/s")
    print(f"embedding         {report['embed_s']:.1f} s   ({report['embed_s'] / wall:.0%} of wall time)")
    print(f"bulk + ES         {report['load_s'] - report['embed_s']:.1f} s   "
          f"({(report['load_s'] - report['embed_s']) / wall:.0%} of wall time)")

    for noisy in ("caremap.access", "httpx", "httpx2", "elastic_transport"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    judged = [j.query for j in load_judgments(PROJECT_ROOT / "corpus" / "judgments" / "dev.yaml")]
    params = [{"q": judged[i % len(judged)], "near": PLACES[i % len(PLACES)]} for i in range(args.queries)]
    total, embed, es, overhead = [], [], [], []
    try:
        app = create_app(settings)
        for noisy in ("caremap.access", "httpx", "httpx2"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        with TestClient(app) as client:
            client.get("/v1/search", params={"q": "warm up", "near": "Boston"})
            for p in params:
                t0 = time.perf_counter()
                response = client.get("/v1/search", params=p)
                elapsed = (time.perf_counter() - t0) * 1000
                response.raise_for_status()
                timing = parse_timing(response.headers["Server-Timing"])
                total.append(elapsed)
                embed.append(timing["embed"])
                es.append(timing["es"])
                overhead.append(elapsed - timing["embed"] - timing["es"])
            cached = []
            for p in params[:100]:  # the same queries again: embeddings come from the cache
                t0 = time.perf_counter()
                client.get("/v1/search", params=p).raise_for_status()
                cached.append((time.perf_counter() - t0) * 1000)
    finally:
        if not args.keep:
            es_client = sync_client(settings)
            delete_indices(es_client, f"{settings.index_prefix}-*")
            es_client.close()

    print(f"== search ({len(total)} queries, one client, first time each)")
    print(f"end-to-end        p50 {percentile(total, 50):.1f} ms   p95 {percentile(total, 95):.1f} ms   "
          f"mean {statistics.mean(total):.1f} ms")
    print(f"embedding         p50 {percentile(embed, 50):.1f} ms   share {sum(embed) / sum(total):.0%}")
    print(f"elasticsearch     p50 {percentile(es, 50):.1f} ms   share {sum(es) / sum(total):.0%}")
    print(f"API overhead      p50 {percentile(overhead, 50):.1f} ms   share {sum(overhead) / sum(total):.0%}")
    print(f"repeated (cached) p50 {percentile(cached, 50):.1f} ms   p95 {percentile(cached, 95):.1f} ms   "
          f"ratio to uncached p50 {percentile(cached, 50) / percentile(total, 50):.2f}")


if __name__ == "__main__":
    main()
