"""Query embeddings for the search path: cached, batched across concurrent requests, off the server's thread.

Search boxes send the same queries again and again, so vectors are kept in a small LRU cache. Requests that
miss the cache while the model is busy wait together and go through the model as one batch: on CPU a batch
of eight short queries costs about as much as two and a half single ones. A lone request never waits for
company (there is no batching window), and its text reaches the model the moment it is asked for
(``request`` is synchronous), so the caller's own work overlaps the model's.

Where the model runs is an ``Encoder``: by default a child process of its own (``api.model_process``), or
``ModelThread``, a thread of the server's process (less memory, slower under concurrent load).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from api import timing
from caremap.embedding import Embedder, Vector

MAX_BATCH = 16


class Encoder(Protocol):
    def start(self, texts: list[str]) -> asyncio.Future[list[Vector]]:
        """Begin embedding ``texts`` now; the future holds their vectors. One call at a time."""
        ...

    def close(self) -> None: ...


class ModelThread:
    """The model in this process, always called from the same thread (its OpenMP pool is set up once)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="query-embedding")

    def start(self, texts: list[str]) -> asyncio.Future[list[Vector]]:
        return asyncio.wrap_future(self._thread.submit(self._embedder.embed_queries, texts))

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)


def _seen(future: asyncio.Future[Vector]) -> None:
    if not future.cancelled():
        future.exception()


def cache_key(text: str) -> str:
    return " ".join(text.lower().split())


class QueryVectors:
    def __init__(self, encoder: Encoder, *, capacity: int = 2048, max_batch: int = MAX_BATCH) -> None:
        self._encoder = encoder
        self._cache: OrderedDict[str, Vector] = OrderedDict()
        self._capacity = capacity
        self._max_batch = max_batch
        self._unresolved: dict[str, asyncio.Future[Vector]] = {}  # waiting for the model or inside it
        self._queue: list[str] = []  # keys not yet handed to the model, oldest first
        self._busy = False
        self.batches = 0  # model calls made, and texts embedded by them (for benchmarks and tests)
        self.embedded = 0

    def request(self, text: str) -> asyncio.Future[Vector]:
        """The vector of ``text``: a future that is already done on a cache hit; otherwise the model starts
        on it now, or with the next batch when it is busy. The same text asked twice shares one future.
        Await it through ``asyncio.shield`` when the caller may be cancelled (the future is shared)."""
        key = cache_key(text)
        if key in self._cache:
            self._cache.move_to_end(key)
            hit: asyncio.Future[Vector] = asyncio.get_running_loop().create_future()
            hit.set_result(self._cache[key])
            return hit
        future = self._unresolved.get(key)
        if future is None:
            future = self._unresolved[key] = asyncio.get_running_loop().create_future()
            future.add_done_callback(_seen)  # a failure nobody awaited any more is not "never retrieved" noise
            self._queue.append(key)
            self._next_batch()
        return future

    async def get(self, text: str) -> Vector:
        # shield: a caller that goes away must not cancel the vector other callers wait for
        return await asyncio.shield(self.request(text))

    async def embed(self, text: str) -> Vector:
        """``get``, with the embedding's latency (or the cache hit) written to the request's recorder."""
        recorder = timing.current()
        vector = self.request(text)
        if vector.done():
            recorder.embed_cache_hit = True
            return vector.result()
        with timing.timed() as ms:
            result = await asyncio.shield(vector)
        recorder.embed_ms += ms[0]
        return result

    async def embed_many(self, texts: list[str], *, batch: int = 64) -> list[Vector]:
        """Many texts straight through the model, batch by batch (training data at start-up: not cached)."""
        vectors: list[Vector] = []
        for start in range(0, len(texts), batch):
            vectors.extend(await self._encoder.start(texts[start : start + batch]))
        return vectors

    async def warm(self) -> None:
        """One embedding through the model (a child process starts and loads it now, not on a request)."""
        await self._encoder.start(["warm up"])

    def _next_batch(self) -> None:
        """Hand the oldest waiting texts to the model, unless it is busy (its current batch calls this again)."""
        if self._busy or not self._queue:
            return
        keys, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch:]
        self._busy = True
        try:
            started = self._encoder.start(keys)
        except Exception as error:  # the encoder refused at once: fail this batch the same way
            started = asyncio.get_running_loop().create_future()
            started.set_exception(error)
        started.add_done_callback(lambda done: self._finish(keys, done))

    def _finish(self, keys: list[str], done: asyncio.Future[list[Vector]]) -> None:
        self._busy = False
        failure = None if done.cancelled() else done.exception()
        vectors = done.result() if not done.cancelled() and failure is None else None
        if vectors is not None:
            self.batches += 1
            self.embedded += len(keys)
        for n, key in enumerate(keys):
            future = self._unresolved.pop(key)
            if future.done():
                continue
            if done.cancelled():  # only when the server shuts down
                future.cancel()
            elif failure is not None:  # every waiter sees the model's failure, none hangs
                future.set_exception(failure)
            elif vectors is not None:
                self._remember(key, vectors[n])
                future.set_result(vectors[n])
        self._next_batch()

    def close(self) -> None:
        self._encoder.close()

    def _remember(self, key: str, vector: Vector) -> None:
        self._cache[key] = vector
        if len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
