"""Benchmark: the real server over one node and over a 3-node cluster, with one API worker and with two.

    python -m bench.cluster_bench --requests 400 [--rounds 2]

Indexes the sample corpus once on the single test node (``CAREMAP_TEST_ES_URL``, default port 9250) and
once on the local test cluster (``CAREMAP_TEST_CLUSTER_PORT``, default 9281-9283; started if needed, as
``caremap es up --nodes 3`` does), embedding each text once for both (the embedder's document cache). Then,
for every configuration in turn (one node or three × one worker or two; two workers share their rate limit
through the local Redis on ``CAREMAP_TEST_REDIS_PORT``, default 6391, as a deployment would), it starts the
server, warms it up and sends the same searches as bench.load_bench: half from one client, half from eight.
``--rounds`` repeats the configurations in alternation so that the machine's drift falls on all of them.
Figures are printed per configuration and as ratios to one node with one worker, measured in the same run;
asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import uuid

from bench.load_bench import run
from bench.search_bench import first_seen_queries, percentile, search_path, warmup_queries
from bench.server import running_server
from caremap.embedding import Embedder
from caremap.es_client import delete_indices, sync_client
from caremap.localcluster import LocalCluster
from caremap.localnode import LocalNode
from caremap.localredis import LocalRedis
from caremap.settings import Settings


def backends() -> dict[str, Settings]:
    node = os.environ.get("CAREMAP_TEST_ES_URL", "http://127.0.0.1:9250")
    first = int(os.environ.get("CAREMAP_TEST_CLUSTER_PORT", "9281"))
    cluster = ",".join(f"http://127.0.0.1:{first + i}" for i in range(3))
    prefix = f"bench-cluster-{uuid.uuid4().hex[:6]}"
    return {"1 node": Settings(es_url=node, index_prefix=prefix),
            "3 nodes": Settings(es_url=cluster, index_prefix=prefix, es_heap="512m")}


def start(settings: Settings) -> None:
    if len(settings.es_urls) == 1:
        LocalNode.from_settings(settings).up()
    else:
        transport = int(os.environ.get("CAREMAP_TEST_CLUSTER_TRANSPORT_PORT", str(settings.es_port + 100)))
        LocalCluster.from_settings(settings, size=len(settings.es_urls), transport_port=transport).up()


def measure(label: str, settings: Settings, workers: int, requests: int,
            env: dict[str, str]) -> dict[str, float]:
    queries = first_seen_queries(requests)
    paths = [search_path(q, i) for i, q in enumerate(queries)]
    half = len(paths) // 2
    with running_server(es_url=settings.es_url, index_prefix=settings.index_prefix, workers=workers,
                        env=env) as base:
        warmup = [search_path(q, i) for i, q in enumerate(warmup_queries(settings.corpus_dir, avoid=queries))]
        asyncio.run(run(base, warmup, 2))
        _, one, errors_one = asyncio.run(run(base, paths[:half], 1))
        rps, eight, errors_eight = asyncio.run(run(base, paths[half:], 8))
    figures = {"p50_1": percentile(one, 50), "p95_1": percentile(one, 95), "rps_8": rps,
               "p50_8": percentile(eight, 50), "p95_8": percentile(eight, 95),
               "errors": float(errors_one + errors_eight)}
    print(f"{label:22} 1 client p50 {figures['p50_1']:6.1f} ms p95 {figures['p95_1']:6.1f} ms | "
          f"8 clients {rps:6.1f} req/s p50 {figures['p50_8']:6.1f} ms p95 {figures['p95_8']:6.1f} ms | "
          f"errors {errors_one + errors_eight}/{len(paths)}", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400, help="searches per configuration and round")
    parser.add_argument("--rounds", type=int, default=1, help="alternations of all configurations")
    args = parser.parse_args()
    from indexer.build import build_indices

    settings = backends()
    redis = LocalRedis(home=settings["1 node"].home, port=int(os.environ.get("CAREMAP_TEST_REDIS_PORT", "6391")))
    redis_was_up = redis.is_up()
    shared = {"CAREMAP_RATE_LIMIT_STORAGE": f"{redis.up()}/15"}
    embedder = Embedder(settings["1 node"].model)  # its document cache: the second build embeds nothing
    try:
        for name, backend in settings.items():
            start(backend)
            report = build_indices(backend, progress=False, embedder=embedder)
            print(f"indexed {name}: {report['counts']} in {report['load_s']:.1f} s "
                  f"(embedding {report['embed_s']:.1f} s)")
        results: dict[str, list[dict[str, float]]] = {}
        for _ in range(args.rounds):
            for name, backend in settings.items():
                for workers in (1, 2):
                    label = f"{name}, {workers} worker{'s' if workers > 1 else ''}"
                    results.setdefault(label, []).append(
                        measure(label, backend, workers, args.requests, shared if workers > 1 else {}))
        summarise(results)
    finally:
        for backend in settings.values():
            es = sync_client(backend)
            delete_indices(es, f"{backend.index_prefix}-*")
            es.close()
        if not redis_was_up:
            redis.down()


def summarise(results: dict[str, list[dict[str, float]]]) -> None:
    def median(label: str, key: str) -> float:
        return statistics.median(r[key] for r in results[label])

    def figure(label: str, key: str, unit: str) -> str:
        return f"{median(label, key):6.1f} {unit} (x{median(label, key) / median(base, key):.2f})"

    base = next(iter(results))
    print(f"\n== medians over rounds; ratios to '{base}' measured in the same run")
    for label in results:
        print(f"{label:22} 8-client {figure(label, 'rps_8', 'req/s')}  p95 {figure(label, 'p95_8', 'ms')}  "
              f"1-client p50 {figure(label, 'p50_1', 'ms')}  errors {sum(r['errors'] for r in results[label]):.0f}")


if __name__ == "__main__":
    main()
