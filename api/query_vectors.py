"""Query embeddings for the search path: cached, batched across concurrent requests, off the server's thread.

Search boxes send the same queries again and again, so vectors are kept in a small LRU cache. Requests that
miss the cache while the model is busy wait together and go through the model as one batch: on CPU a batch
of eight short queries costs about as much as two and a half single ones. A lone request never waits for
company (there is no batching window).

Where the model runs is an ``Encoder``: by default a child process of its own (``api.model_process``), or
``ModelThread``, a thread of the server's process (less memory, slower under concurrent load).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from caremap.embedding import Embedder, Vector

MAX_BATCH = 16


class Timed(Protocol):
    embed_ms: float
    cache_hit: bool


class Encoder(Protocol):
    async def embed(self, texts: list[str]) -> list[Vector]: ...

    def close(self) -> None: ...


class ModelThread:
    """The model in this process, always called from the same thread (its OpenMP pool is set up once)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="query-embedding")

    async def embed(self, texts: list[str]) -> list[Vector]:
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._embedder.embed_queries, texts)

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)


class QueryVectors:
    def __init__(self, encoder: Encoder, *, capacity: int = 2048, max_batch: int = MAX_BATCH) -> None:
        self._encoder = encoder
        self._cache: OrderedDict[str, Vector] = OrderedDict()
        self._capacity = capacity
        self._max_batch = max_batch
        self._waiting: dict[str, asyncio.Future[Vector]] = {}  # texts not yet handed to the model
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0  # model calls made, and texts embedded by them (for benchmarks and tests)
        self.embedded = 0

    async def get(self, text: str, timings: Timed) -> Vector:
        key = " ".join(text.lower().split())
        if key in self._cache:
            self._cache.move_to_end(key)
            timings.cache_hit = True
            return self._cache[key]
        started = time.perf_counter()
        future = self._waiting.get(key)
        if future is None:  # the same text already waiting shares its future
            future = asyncio.get_running_loop().create_future()
            self._waiting[key] = future
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        try:
            # shield: a caller that goes away must not cancel the vector other callers wait for
            return await asyncio.shield(future)
        finally:
            timings.embed_ms += (time.perf_counter() - started) * 1000

    async def warm(self) -> None:
        """One embedding through the model (a child process starts and loads it now, not on a request)."""
        await self._encoder.embed(["warm up"])

    async def _drain(self) -> None:
        """Embed whatever is waiting, a batch at a time, until nothing is."""
        while self._waiting:
            texts = list(self._waiting)[: self._max_batch]
            futures = [self._waiting.pop(t) for t in texts]
            try:
                vectors = await self._encoder.embed(texts)
            except Exception as error:  # every waiter sees the model's failure, none hangs
                for future in futures:
                    if not future.done():
                        future.set_exception(error)
                continue
            self.batches += 1
            self.embedded += len(texts)
            for text, future, vector in zip(texts, futures, vectors, strict=True):
                self._remember(text, vector)
                if not future.done():
                    future.set_result(vector)

    def close(self) -> None:
        self._encoder.close()

    def _remember(self, key: str, vector: Vector) -> None:
        self._cache[key] = vector
        if len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
