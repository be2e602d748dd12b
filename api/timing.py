"""Where a request's time went: one recorder per request in a context variable.

The Elasticsearch wrapper (``api.elastic``) and the query vectors (``api.query_vectors``) write into it; the
observability middleware (``api.metrics``) creates it, writes the ``Server-Timing`` header from it and feeds
the metrics from it. Nothing is parsed back from a header.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class Recorder:
    """Milliseconds. ``embed_ms`` is the query embedding's latency when the model computed it (a cache hit
    costs nothing and sets ``embed_cache_hit``); ``es_ms`` adds up the wall time of the request's Elasticsearch
    calls as the client saw them (the lexical search overlaps the embedding); ``es_took_ms`` adds up what
    Elasticsearch reported (``took``) for them."""

    embed_ms: float = 0.0
    embed_cache_hit: bool = False
    es_ms: float = 0.0
    es_took_ms: float = 0.0
    es_calls: int = 0

    def es_call(self, wall_ms: float, *, took_ms: float = 0.0) -> None:
        self.es_ms += wall_ms
        self.es_took_ms += took_ms
        self.es_calls += 1

    @property
    def used(self) -> bool:
        return self.es_calls > 0 or self.embed_ms > 0 or self.embed_cache_hit

    def header(self, total_ms: float) -> str:
        cache = ", embed-cache;desc=hit" if self.embed_cache_hit else ""
        return (f"embed;dur={self.embed_ms:.2f}, es;dur={self.es_ms:.2f}, es-took;dur={self.es_took_ms:.2f}, "
                f"total;dur={total_ms:.2f}{cache}")


_current: ContextVar[Recorder | None] = ContextVar("caremap_recorder", default=None)


def current() -> Recorder:
    """The request's recorder; outside a request (CLI, tests) a throwaway one."""
    return _current.get() or Recorder()


@contextmanager
def recording() -> Iterator[Recorder]:
    """Give the code running inside (this task and the tasks it starts) a recorder of its own."""
    recorder = Recorder()
    token = _current.set(recorder)
    try:
        yield recorder
    finally:
        _current.reset(token)


@contextmanager
def timed() -> Iterator[list[float]]:
    """``with timed() as ms: ...`` then ``ms[0]`` is the block's wall time in milliseconds."""
    elapsed = [0.0]
    started = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed[0] = (time.perf_counter() - started) * 1000


def parse_header(header: str) -> dict[str, dict[str, str]]:
    """For clients (benchmarks, tests): ``"es;dur=3.1, embed-cache;desc=hit"`` ->
    ``{"es": {"dur": "3.1"}, "embed-cache": {"desc": "hit"}}``."""
    entries: dict[str, dict[str, str]] = {}
    for metric in header.split(","):
        name, *params = (part.strip() for part in metric.split(";"))
        if not name:
            continue
        entries[name] = {}
        for param in params:
            key, _, value = param.partition("=")
            entries[name][key.strip()] = value.strip().strip('"')
    return entries
