"""Per-caller rate limits: a moving window counted in this process's memory, or in Redis shared by every worker.

``CAREMAP_RATE_LIMIT_STORAGE=memory://`` (the default) keeps each process's counters to itself: N workers
or replicas each allow the full rate. ``redis://host:port`` keeps them in Redis (``limits``' moving window, one
sorted set per caller, updated by a Lua script), so a caller over the limit is refused by every worker.
When Redis does not answer, requests are let through (a limiter outage must not become a search outage), a
warning is logged at most once a minute, and /readyz reports the limiter as unreachable.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import weakref

from limits import RateLimitItem, parse
from limits.aio.storage import Storage as AsyncStorage
from limits.aio.strategies import MovingWindowRateLimiter as AsyncMovingWindowRateLimiter
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from caremap.settings import Settings

log = logging.getLogger("caremap.api")
WARN_EVERY_S = 60.0


class RateLimits:
    """``hit`` counts a request of ``caller`` and says whether it is within the limit."""

    def __init__(self, limit: RateLimitItem, storage_uri: str = "memory://") -> None:
        self.limit, self.storage_uri = limit, storage_uri
        self.shared = storage_uri != "memory://"
        self._memory = None if self.shared else MovingWindowRateLimiter(SweptMemoryStorage())
        self._storage: AsyncStorage | None = None
        self._redis: AsyncMovingWindowRateLimiter | None = None
        if self.shared:
            storage = storage_from_string(f"async+{storage_uri}", implementation="redispy")
            assert isinstance(storage, AsyncStorage)
            self._storage, self._redis = storage, AsyncMovingWindowRateLimiter(storage)
        self._warned_at = -math.inf

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        return cls(parse(settings.rate_limit), settings.rate_limit_storage)

    async def hit(self, caller: str) -> bool:
        if self._memory is not None:
            return self._memory.hit(self.limit, caller)
        assert self._redis is not None
        try:
            return await self._redis.hit(self.limit, caller)
        except Exception as e:  # any client error: the storage is out, the request goes through
            self._warn(e)
            return True

    async def retry_after(self, caller: str) -> int:
        """Whole seconds until the oldest request in the caller's window leaves it (at least 1)."""
        try:
            if self._memory is not None:
                stats = self._memory.get_window_stats(self.limit, caller)
            else:
                assert self._redis is not None
                stats = await self._redis.get_window_stats(self.limit, caller)
        except Exception as e:
            self._warn(e)
            return 1
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def reachable(self) -> bool | None:
        """Whether the shared storage answers; None when the counters are in memory."""
        if self._storage is None:
            return None
        try:
            return await self._storage.check()
        except Exception:
            return False

    def _warn(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_S:
            self._warned_at = now
            log.warning("rate-limit storage unavailable (%s); requests are not limited meanwhile",
                        type(error).__name__)


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


