"""Benchmark: the real server (uvicorn) under 1 and 8 concurrent clients on loopback, against issue 5's targets.

    python -m bench.load_bench --prefix <prefix> --requests 400 [--workers 2]       # indices already built
    python -m bench.load_bench --providers /var/tmp/providers-100k.jsonl [--keep]  # build its own first

Without --prefix it builds indices like bench.search_bench (deleted afterwards unless --keep). It starts the
server (bench.server), warms it up with lay phrases of the corpus articles, then sends --requests searches:
the first half from one client, the second half from eight (an httpx.AsyncClient each, keep-alive). Every
search text is new to the server (judged queries, cycled over places, later ones numbered), so each one embeds.
Then the same for /v1/suggest, with prefixes of the judged queries, when that route exists. Any answer but 200
and any transport failure counts as an error. Prints figures and ratios to the targets; asserts nothing.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from urllib.parse import urlencode

import httpx

from bench.search_bench import (
    bench_indices,
    first_seen_queries,
    judged_queries,
    parser_with_index_options,
    percentile,
    search_path,
    versus,
    warmup_queries,
)
from bench.server import running_server

# Issue 5, at eight concurrent clients on this 2-core machine.
TARGET_RPS = 40.0
TARGET_P95_MS = 150.0


async def run(base: str, paths: list[str], concurrency: int) -> tuple[float, list[float], int]:
    """Send ``paths`` from ``concurrency`` clients; return requests/s, latencies (ms) and the error count."""
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
                try:
                    ok = (await http.get(path)).status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.perf_counter() - t0) * 1000)
                errors += not ok

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return len(paths) / (time.perf_counter() - started), latencies, errors


def measure(label: str, base: str, paths: list[str]) -> None:
    half = len(paths) // 2
    for concurrency, chunk in ((1, paths[:half]), (8, paths[half:])):
        rps, latencies, errors = asyncio.run(run(base, chunk, concurrency))
        p95 = percentile(latencies, 95)
        print(f"{label:8} clients={concurrency}  {rps:6.1f} req/s  p50 {percentile(latencies, 50):6.1f} ms  "
              f"p95 {p95:6.1f} ms  mean {statistics.mean(latencies):6.1f} ms  errors {errors}/{len(chunk)}")
        if label == "search" and concurrency == 8:
            print(versus("target  search 8 clients throughput", rps, TARGET_RPS, "req/s", at_least=True))
            print(versus("target  search 8 clients p95", p95, TARGET_P95_MS, "ms"))
            print(f"target  search 8 clients errors {errors} / target 0 {'✓' if errors == 0 else '✗'}")


def main() -> None:
    parser = parser_with_index_options(__doc__)
    parser.add_argument("--requests", type=int, default=400, help="requests per route, half at 1 and half at 8 clients")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()

    queries = first_seen_queries(args.requests)
    with (bench_indices(prefix=args.prefix, providers=args.providers, keep=args.keep) as settings,
          running_server(es_url=settings.es_url, index_prefix=settings.index_prefix, workers=args.workers) as base):
        warmup = [search_path(q, i) for i, q in enumerate(warmup_queries(settings.corpus_dir, avoid=queries))]
        asyncio.run(run(base, warmup, 2))
        measure("search", base, [search_path(q, i) for i, q in enumerate(queries)])
        if httpx.get(f"{base}/v1/suggest", params={"q": "kne"}).status_code == 200:
            prefixes = [q[: 2 + i % 8] for i, q in zip(range(args.requests), itertools.cycle(judged_queries()))]
            measure("suggest", base, ["/v1/suggest?" + urlencode({"q": p}) for p in prefixes])


if __name__ == "__main__":
    main()
