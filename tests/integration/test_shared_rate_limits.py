"""Rate limits shared through Redis: a caller over the limit is refused by every worker and every replica.

Real processes on loopback: the project's local Redis (``CAREMAP_TEST_REDIS_PORT``, default 6391) and the
real server (uvicorn) over the session's test index, with ``CAREMAP_RATE_LIMIT_STORAGE=redis://...``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import httpx
import pytest
import redis

from bench.server import running_server
from caremap.localredis import LocalRedis
from caremap.settings import Settings

pytestmark = pytest.mark.es

REDIS_PORT = int(os.environ.get("CAREMAP_TEST_REDIS_PORT", "6391"))
LIMIT = 12
SEARCH = {"q": "knee pain", "near": "Boston"}


@pytest.fixture(scope="module")
def local_redis(base_settings: Settings) -> Iterator[LocalRedis]:
    local = LocalRedis(home=base_settings.home, port=REDIS_PORT)
    was_up = local.is_up()
    local.up()
    yield local
    if not was_up:
        local.down()


@pytest.fixture
def redis_url(local_redis: LocalRedis) -> str:
    """A database of the local Redis, emptied: each test counts from zero."""
    url = f"{local_redis.url}/{uuid.uuid4().int % 16}"
    with redis.Redis.from_url(url) as client:
        client.flushdb()
    return url


def limited_env(redis_url: str) -> dict[str, str]:
    return {"CAREMAP_RATE_LIMIT": f"{LIMIT}/minute", "CAREMAP_RATE_LIMIT_STORAGE": redis_url}


def fresh_connection_statuses(base: str, count: int) -> list[int]:
    """``count`` searches, each on a new connection (so the kernel hands them to either worker)."""
    return [httpx.get(f"{base}/v1/search", params=SEARCH, timeout=30).status_code for _ in range(count)]


def test_two_replicas_share_one_limit(built: dict[str, object], base_settings: Settings, redis_url: str) -> None:
    env = limited_env(redis_url)
    prefix = base_settings.index_prefix
    with (running_server(es_url=base_settings.es_url, index_prefix=prefix, env=env) as first,
          running_server(es_url=base_settings.es_url, index_prefix=prefix, env=env) as second):
        statuses = [httpx.get(f"{base}/v1/search", params=SEARCH, timeout=30).status_code
                    for _, base in zip(range(LIMIT), [first, second] * LIMIT, strict=False)]
        assert statuses == [200] * LIMIT  # six each: twelve counted in one window
        for base in (first, second):
            refused = httpx.get(f"{base}/v1/search", params=SEARCH, timeout=30)
            assert refused.status_code == 429, refused.text
            assert int(refused.headers["Retry-After"]) >= 1
        ready = httpx.get(f"{first}/readyz", timeout=30).json()
        assert ready["checks"]["rate_limit_storage"] == "reachable"


def test_two_workers_of_one_server_share_one_limit(built: dict[str, object], base_settings: Settings,
                                                   redis_url: str) -> None:
    with running_server(es_url=base_settings.es_url, index_prefix=base_settings.index_prefix, workers=2,
                        env=limited_env(redis_url)) as base:
        statuses = fresh_connection_statuses(base, 2 * LIMIT)
    assert statuses.count(200) == LIMIT, statuses  # in-memory counters would let up to 2 × LIMIT through
    assert statuses[LIMIT:] == [429] * LIMIT


def test_with_redis_gone_searches_go_through_and_readiness_says_degraded(
    built: dict[str, object], base_settings: Settings, local_redis: LocalRedis, redis_url: str,
) -> None:
    with running_server(es_url=base_settings.es_url, index_prefix=base_settings.index_prefix,
                        env=limited_env(redis_url)) as base:
        assert httpx.get(f"{base}/v1/search", params=SEARCH, timeout=30).status_code == 200
        local_redis.down()
        try:
            assert fresh_connection_statuses(base, 3) == [200] * 3
            ready = httpx.get(f"{base}/readyz", timeout=30)
            assert ready.status_code == 200
            assert ready.json()["status"] == "degraded"
            assert ready.json()["checks"]["rate_limit_storage"].startswith("unreachable")
        finally:
            local_redis.up()
        assert httpx.get(f"{base}/readyz", timeout=30).json()["checks"]["rate_limit_storage"] == "reachable"
