"""Benchmark: the real server (uvicorn, one process) under concurrent clients on loopback.

    python -m bench.load_bench --prefix bench-xxxx            # indices kept by `search_bench --keep`
    python -m bench.load_bench --build --providers big.jsonl  # build its own first

Prints requests/s, p50/p95 latency and the error count at 1 and at 8 concurrent clients, for /v1/search
(queries from the judgment set, cycled over places, each first seen once: embeddings are not cached) and for
/v1/suggest when that route exists. Bounded: a fixed number of requests per run; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from caremap.corpus.load import load_judgments
from caremap.localnode import LocalNode
from caremap.settings import PROJECT_ROOT, Settings

PLACES = ["Serzhong", "Boston", "Denver", "Austin", "Chicago", "Seattle"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def run(base: str, paths: list[str], concurrency: int) -> tuple[float, list[float], int]:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)
    latencies: list[float] = []
    errors = 0

    async def client() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            while not queue.empty():
                path = queue.get_nowait()
                t0 = time.perf_counter()
                response = await http.get(path)
                latencies.append((time.perf_counter() - t0) * 1000)
                if response.status_code >= 500 or response.status_code == 429:
                    errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return len(paths) / (time.perf_counter() - started), latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prefix", help="index prefix already built on the test node")
    parser.add_argument("--build", action="store_true", help="build a fresh index first")
    parser.add_argument("--providers", type=Path, default=None)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()

    es_url = os.environ.get("CAREMAP_TEST_ES_URL", "http://127.0.0.1:9250")
    prefix = args.prefix or f"bench-{uuid.uuid4().hex[:6]}"
    settings = Settings(es_url=es_url, index_prefix=prefix, providers_file=args.providers)
    LocalNode.from_settings(settings).up()
    if args.build or not args.prefix:
        from indexer.build import build_indices

        build_indices(settings, progress=False)

    port = free_port()
    env = {**os.environ, "CAREMAP_ES_URL": es_url, "CAREMAP_INDEX_PREFIX": prefix, "HF_HUB_OFFLINE": "1",
           "CAREMAP_RATE_LIMIT": "1000000/minute"}
    server = subprocess.Popen(
        [sys.executable, "-m", "caremap", "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env, cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        queries = [j.query for j in load_judgments(PROJECT_ROOT / "corpus" / "judgments" / "dev.yaml")]
        n = args.requests
        search = [str(httpx.URL("/v1/search", params={"q": f"{queries[i % len(queries)]} {i // len(queries) or ''}"
                                                      .strip(), "near": PLACES[i % len(PLACES)]}))
                  for i in range(2 * n)]
        has_suggest = httpx.get(f"{base}/v1/suggest", params={"q": "kne"}).status_code == 200
        prefixes = [q[: 2 + i % 8] for i, q in enumerate(queries * 4)][: n]
        suggest = [str(httpx.URL("/v1/suggest", params={"q": p})) for p in prefixes]
        asyncio.run(run(base, search[:20], 2))  # warm up
        for label, paths in (("search", search), ("suggest", suggest if has_suggest else [])):
            if not paths:
                continue
            for concurrency, chunk in ((1, paths[: n // 2]), (8, paths[n // 2: n])):
                rps, latencies, errors = asyncio.run(run(base, chunk, concurrency))
                print(f"{label:8} clients={concurrency}  {rps:6.1f} req/s  p50 {percentile(latencies, 50):6.1f} ms  "
                      f"p95 {percentile(latencies, 95):6.1f} ms  mean {statistics.mean(latencies):6.1f} ms  "
                      f"errors {errors}/{len(chunk)}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not args.prefix:
            from caremap.es_client import delete_indices, sync_client

            es = sync_client(settings)
            delete_indices(es, f"{prefix}-*")
            es.close()


if __name__ == "__main__":
    main()
