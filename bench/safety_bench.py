"""What the safety checks add to a search: the emergency detector and the scope classifier on the query's
words and its vector (already computed by the search), timed per query, next to the embedding itself.

    python -m bench.safety_bench [--queries 300]

The classifiers come from the start-up cache (trained once per corpus and model, like the API does)."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from api.query_vectors import QueryVectors
from api.resources import _encoder, one_blas_thread
from api.safety.training import train_safety
from bench.search_bench import first_seen_queries, percentile
from caremap.corpus.load import Corpus
from caremap.settings import Settings


async def measure(count: int) -> None:
    settings = Settings()
    corpus = Corpus.load(settings.corpus_dir)
    vectors = QueryVectors(_encoder(settings))
    try:
        await vectors.warm()
        safety = await train_safety(corpus, vectors, model_key=f"{settings.model}/{settings.query_model_precision}",
                                    cache_dir=settings.home / "cache")
        one_blas_thread()  # as the API runs them
        queries = first_seen_queries(count)
        embed_ms, safety_ms = [], []
        for q in queries:
            started = time.perf_counter()
            vector = await vectors.get(q)
            embed_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            safety.detector.assess(q, vector)
            safety.scope.read(q, vector)
            safety_ms.append((time.perf_counter() - started) * 1000)
    finally:
        vectors.close()
    print(f"== safety checks on {len(queries)} queries (vector reused from the search)")
    print(f"detector + scope   p50 {percentile(safety_ms, 50):6.2f} ms   p95 {percentile(safety_ms, 95):6.2f} ms   "
          f"mean {statistics.mean(safety_ms):6.2f} ms")
    print(f"query embedding    p50 {percentile(embed_ms, 50):6.2f} ms   (the floor they ride on)   "
          f"ratio {percentile(safety_ms, 50) / percentile(embed_ms, 50):.2f}")
    print(f"target  <= 1 ms p50: {'✓' if percentile(safety_ms, 50) <= 1.0 else '✗'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=300)
    asyncio.run(measure(parser.parse_args().queries))


if __name__ == "__main__":
    main()
