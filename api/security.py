"""Who may call the API and how often: API keys (kept only as sha256 digests) and a per-caller rate limit.

Both run as one ASGI middleware in front of the routes. Operational endpoints (health, readiness, metrics,
the docs and the static page) stay open and unthrottled: probes and scrapers must never be locked out.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
import weakref
from collections.abc import Iterable

from fastapi import FastAPI, Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import problem_response
from caremap.settings import Settings

API_KEY_HEADER = "X-API-Key"
PUBLIC_PATHS = frozenset({"/", "/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc",
                          "/openapi.json", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/",)


def hash_key(key: str) -> str:
    """The digest stored in CAREMAP_API_KEYS for ``key``."""
    return hashlib.sha256(key.encode()).hexdigest()


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class KeyRing:
    """The accepted keys, by digest. A presented key is hashed and compared in constant time to every digest."""

    def __init__(self, digests: Iterable[str]) -> None:
        self._digests = tuple(d.lower() for d in digests)

    def identify(self, presented: str | None) -> str | None:
        """The digest of ``presented`` when it is an accepted key, else None."""
        if not presented:
            return None
        digest = hash_key(presented)
        found: str | None = None
        for known in self._digests:  # no early exit: the time taken does not say which digest matched
            if hmac.compare_digest(digest, known):
                found = known
        return found


class SweptMemoryStorage(MemoryStorage):
    """``limits``' in-memory storage with its expired entries swept by one long-lived daemon thread.

    The parent starts a new ``threading.Timer`` thread (10 ms) whenever its previous one has finished, so on a
    server that is not busy every request started an OS thread (~0.15 ms on the request path here) and woke
    one 10 ms later to compete for the interpreter lock: ~0.4 ms of a search's p50 (bench.search_bench).
    Expired entries cost only memory (the strategies compare timestamps themselves), so a sweep every
    ``sweep_every_s`` is enough. The sweeper thread stands in for the parent's timer (it is always alive,
    so the parent never starts another) and ends when the storage is garbage."""

    STORAGE_SCHEME = ["caremap-swept-memory"]  # noqa: RUF012  # own scheme: "memory" stays limits' class

    def __init__(self, *, sweep_every_s: float = 1.0) -> None:
        super().__init__()
        self.timer.cancel()
        self.timer = _Sweeper(self, sweep_every_s)
        self.timer.start()

    def sweep(self) -> None:
        self._MemoryStorage__expire_events()  # type: ignore[attr-defined]  # the parent's own expiry


class _Sweeper(threading.Timer):
    """A timer that fires again and again (until cancelled, or its storage is gone)."""

    def __init__(self, storage: SweptMemoryStorage, every_s: float) -> None:
        super().__init__(every_s, lambda: None)
        self.name, self.daemon = "rate-limit-sweeper", True
        self._storage = weakref.ref(storage)

    def run(self) -> None:
        while not self.finished.wait(self.interval):
            storage = self._storage()
            if storage is None:
                return
            storage.sweep()
            del storage  # hold no reference while waiting


class AccessControl:
    """ASGI middleware: 401 without an accepted ``X-API-Key`` (when auth is on), 429 over the rate limit."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.auth_enabled = settings.auth_enabled
        self.keys = KeyRing(settings.api_keys)
        self.limit: RateLimitItem = parse(settings.rate_limit)
        # In-process memory: one window per API process; several replicas each allow the full rate.
        self.limiter = MovingWindowRateLimiter(SweptMemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if self.auth_enabled:
            digest = self.keys.identify(request.headers.get(API_KEY_HEADER))
            if digest is None:
                missing = API_KEY_HEADER not in request.headers
                detail = (f"send an API key in the {API_KEY_HEADER} header" if missing
                          else f"the {API_KEY_HEADER} header does not hold an accepted key")
                response = problem_response(request, status=401, title="Unauthorized", detail=detail)
                await response(scope, receive, send)
                return
            caller = f"key:{digest[:16]}"
        else:
            caller = f"ip:{request.client.host if request.client else 'unknown'}"
        if not self.limiter.hit(self.limit, caller):
            retry_after = self.retry_after(caller)
            response = problem_response(
                request, status=429, title="Too many requests",
                detail=f"rate limit of {self.limit} exceeded; retry in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def retry_after(self, caller: str) -> int:
        """Whole seconds until the oldest request in the caller's window leaves it (at least 1)."""
        stats = self.limiter.get_window_stats(self.limit, caller)
        return max(1, math.ceil(stats.reset_time - time.time()))


def install_access_control(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(AccessControl, settings=settings)


def install_cors(app: FastAPI, settings: Settings) -> None:
    """CORS headers only for the configured origins; none configured, no CORS headers at all."""
    if not settings.cors_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=[API_KEY_HEADER, "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Server-Timing", "Retry-After"],
        max_age=600,
    )
