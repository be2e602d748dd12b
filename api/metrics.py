"""Prometheus metrics: request latency by route template and status, and where search time went.

Elasticsearch and embedding time come from the request's recorder (``api.timing``), which this middleware
creates: the search code carries no metrics calls, and the same recorder writes the ``Server-Timing``
header. Each app has its own registry (tests build several apps in one process).
Labels are route templates and status codes only: never query text, places or coordinates.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.datastructures import MutableHeaders
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.timing import Recorder, recording

UNMATCHED_ROUTE = "<unmatched>"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The app's collectors, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "caremap_http_request_duration_seconds", "HTTP request latency by route template, method and status",
            ["method", "route", "status"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.elasticsearch = Histogram(
            "caremap_elasticsearch_duration_seconds", "Time a request spent waiting on Elasticsearch",
            ["route"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.embedding = Histogram(
            "caremap_embedding_duration_seconds",
            "Latency of a request's query embedding, from handing the text to the model to its vector (misses)",
            ["route"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.embedding_cache = Counter(
            "caremap_query_embedding_cache", "Query-embedding cache lookups by result (hit or miss)",
            ["result"], registry=self.registry,
        )

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def observe(self, route: str, recorder: Recorder) -> None:
        if recorder.es_calls:
            self.elasticsearch.labels(route=route).observe(recorder.es_ms / 1000)
        if recorder.embed_cache_hit:
            self.embedding_cache.labels(result="hit").inc()
        elif recorder.embed_ms > 0:
            self.embedding.labels(route=route).observe(recorder.embed_ms / 1000)
            self.embedding_cache.labels(result="miss").inc()


def route_template(routes: Sequence[BaseRoute], scope: Scope) -> str:
    """The path template the request matches (``/v1/catalog/{slug}``), never the raw path.

    After routing, the matched route is in ``scope["route"]``; requests answered before routing (401, 429)
    are matched here, looking inside FastAPI's included-router wrappers.
    """
    routed = scope.get("route")
    if routed is not None and getattr(routed, "path", None):
        return str(routed.path)
    return _match(routes, scope) or UNMATCHED_ROUTE


def _match(routes: Sequence[BaseRoute], scope: Scope) -> str | None:
    partial: str | None = None
    for route in routes:
        match, _ = route.matches(dict(scope))
        if match == Match.NONE:
            continue
        included = getattr(route, "original_router", None)
        if included is not None:
            found = _match(included.routes, scope)
        else:
            path = getattr(route, "path", None)
            found = str(path) if path is not None else None
        if match == Match.FULL and found:
            return found
        partial = partial or found
    return partial


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics, routes: Sequence[BaseRoute]) -> None:
        self.app, self.metrics, self.routes = app, metrics, routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before starting a response

        async def send_and_observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if recorder.used:
                    total_ms = (time.perf_counter() - started) * 1000
                    headers = MutableHeaders(scope=message)
                    headers.append("Server-Timing", recorder.header(total_ms))
            await send(message)

        with recording() as recorder:
            try:
                await self.app(scope, receive, send_and_observe)
            finally:
                route = route_template(self.routes, scope)
                self.metrics.requests.labels(method=scope["method"], route=route, status=str(status)).observe(
                    time.perf_counter() - started
                )
                self.metrics.observe(route, recorder)


def install_metrics(app: FastAPI) -> Metrics:
    """A registry for this app, read by ``GET /metrics``; the middleware sees every response's final status."""
    metrics = Metrics()
    app.state.metrics = metrics
    app.add_middleware(MetricsMiddleware, metrics=metrics, routes=app.router.routes)
    return metrics
