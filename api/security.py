"""Who may call the API and how often: API keys (kept only as sha256 digests) and a per-caller rate limit.

Both run as one ASGI middleware in front of the routes. Operational endpoints (health, readiness, metrics,
the docs and the static page) stay open and unthrottled: probes and scrapers must never be locked out.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from fastapi import FastAPI, Request
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import problem_response
from api.rate_limits import RateLimits, SweptMemoryStorage
from caremap.settings import Settings

__all__ = ["ANALYST_PATHS", "API_KEY_HEADER", "AccessControl", "KeyRing", "SweptMemoryStorage", "hash_key"]

API_KEY_HEADER = "X-API-Key"
PUBLIC_PATHS = frozenset({"/", "/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc",
                          "/openapi.json", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/",)
#: Routes for relevance analysts only: an analyst key (CAREMAP_ANALYST_API_KEYS) in every mode, even when
#: search itself is public (one evaluation runs up to 1,500 searches).
ANALYST_PATHS = frozenset({"/v1/eval"})


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


class AccessControl:
    """ASGI middleware: 401 without an accepted ``X-API-Key`` (when auth is on, and always on analyst routes),
    429 over the rate limit."""

    def __init__(self, app: ASGIApp, *, settings: Settings, limits: RateLimits) -> None:
        self.app = app
        self.auth_enabled = settings.auth_enabled
        self.keys = KeyRing(settings.api_keys)
        self.analyst_keys = KeyRing(settings.analyst_api_keys)
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        analyst = scope["path"] in ANALYST_PATHS
        caller: str | None = None
        if analyst or self.auth_enabled:
            digest = (self.analyst_keys if analyst else self.keys).identify(request.headers.get(API_KEY_HEADER))
            if digest is None:
                response = problem_response(request, status=401, title="Unauthorized",
                                            detail=self._refusal(request, analyst=analyst))
                await response(scope, receive, send)
                return
            caller = f"key:{digest[:16]}"
        caller = caller or f"ip:{request.client.host if request.client else 'unknown'}"
        if not await self.limits.hit(caller):
            retry_after = await self.limits.retry_after(caller)
            response = problem_response(
                request, status=429, title="Too many requests",
                detail=f"rate limit of {self.limits.limit} exceeded; retry in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _refusal(request: Request, *, analyst: bool) -> str:
        kind = "an analyst API key" if analyst else "an API key"
        if API_KEY_HEADER not in request.headers:
            return f"send {kind} in the {API_KEY_HEADER} header"
        return f"the {API_KEY_HEADER} header does not hold {kind}"


def install_access_control(app: FastAPI, settings: Settings) -> None:
    # On the app's state too: /readyz reports whether a shared storage answers.
    app.state.rate_limits = limits = RateLimits.from_settings(settings)
    app.add_middleware(AccessControl, settings=settings, limits=limits)


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
