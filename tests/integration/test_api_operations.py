"""Operational behaviour of the HTTP API: API keys, rate limits, CORS and Prometheus metrics.

Against the real test node. Apps with authentication or a small rate limit are built from the session
settings; the session `api` app (auth off, a limit the suite never reaches) serves the metrics tests.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError

from api.main import create_app
from api.metrics import Metrics, route_template
from api.security import KeyRing, SweptMemoryStorage, hash_key
from api.timing import Recorder, parse_header
from caremap.settings import Settings

pytestmark = pytest.mark.es

KEYS = {name: f"test-key-{name}-{uuid.uuid4().hex}" for name in ("plain", "limited", "other")}
ORIGIN = "https://clinic-finder.example"
SEARCH = {"q": "knee pain", "near": "Serzhong"}
PUBLIC = ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"]


@pytest.fixture(scope="module")
def keyed(built: dict[str, object], base_settings: Settings) -> Iterator[TestClient]:
    """Authentication on, three accepted keys, three requests a minute per key."""
    settings = base_settings.model_copy(update={
        "auth_enabled": True, "api_keys": [hash_key(k) for k in KEYS.values()], "rate_limit": "3/minute",
    })
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def throttled(built: dict[str, object], base_settings: Settings) -> Iterator[TestClient]:
    """Authentication off (limit per client address), three requests a minute, one CORS origin."""
    settings = base_settings.model_copy(update={"rate_limit": "3/minute", "cors_origins": [ORIGIN]})
    with TestClient(create_app(settings)) as client:
        yield client


def metric_samples(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def sample(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


# -- settings ---------------------------------------------------------------------------------------------


def test_defaults_are_public_with_600_requests_a_minute_and_no_cors() -> None:
    settings = Settings()
    assert settings.auth_enabled is False
    assert settings.rate_limit == "600/minute"
    assert settings.cors_origins == []


def test_a_clear_text_key_in_the_settings_is_refused() -> None:
    with pytest.raises(ValidationError, match="sha256"):
        Settings(api_keys=["my-secret-key"])


def test_authentication_without_keys_is_refused() -> None:
    with pytest.raises(ValidationError, match="CAREMAP_API_KEYS"):
        Settings(auth_enabled=True)


def test_an_unparsable_rate_limit_is_refused() -> None:
    with pytest.raises(ValidationError, match="CAREMAP_RATE_LIMIT"):
        Settings(rate_limit="lots")


def test_keys_and_origins_read_from_comma_separated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    digests = [hash_key("a"), hash_key("b")]
    monkeypatch.setenv("CAREMAP_API_KEYS", ",".join(digests))
    monkeypatch.setenv("CAREMAP_CORS_ORIGINS", f"{ORIGIN}, http://localhost:3000")
    settings = Settings()
    assert settings.api_keys == digests
    assert settings.cors_origins == [ORIGIN, "http://localhost:3000"]


def test_key_ring_accepts_only_keys_whose_digest_it_holds() -> None:
    ring = KeyRing([hash_key("right")])
    assert ring.identify("right") == hash_key("right")
    assert ring.identify("wrong") is None
    assert ring.identify("") is None
    assert ring.identify(None) is None


# -- API keys ---------------------------------------------------------------------------------------------


def test_missing_key_is_a_401_problem(keyed: TestClient) -> None:
    response = keyed.get("/v1/search", params=SEARCH)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 401
    assert "X-API-Key" in body["detail"]
    assert response.headers["X-Request-ID"]


def test_a_refused_request_costs_no_model_time(keyed: TestClient) -> None:
    vectors = keyed.app.state.resources.vectors  # type: ignore[attr-defined]
    before = vectors.embedded
    q = "refused callers do not get the query model to work: " + uuid.uuid4().hex
    assert keyed.get("/v1/search", params={"q": q, "near": "Serzhong"}).status_code == 401
    assert vectors.embedded == before


def test_unknown_key_is_a_401_problem(keyed: TestClient) -> None:
    response = keyed.get("/v1/search", params=SEARCH, headers={"X-API-Key": "not-" + KEYS["plain"]})
    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"


def test_accepted_key_gets_search_results(keyed: TestClient) -> None:
    response = keyed.get("/v1/search", params=SEARCH, headers={"X-API-Key": KEYS["plain"]})
    assert response.status_code == 200, response.text
    assert response.json()["interpretation"]["procedures"]


@pytest.mark.parametrize("path", PUBLIC)
def test_operational_endpoints_stay_open_without_a_key(keyed: TestClient, path: str) -> None:
    assert keyed.get(path).status_code == 200


# -- rate limits ------------------------------------------------------------------------------------------


def test_requests_over_the_limit_get_429_with_retry_after(throttled: TestClient) -> None:
    statuses = [throttled.get("/v1/search", params=SEARCH).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = throttled.get("/v1/search", params=SEARCH, headers={"Origin": ORIGIN})
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.json()["status"] == 429
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert throttled.get("/healthz").status_code == 200  # probes are never throttled


def test_limit_counts_per_key(keyed: TestClient) -> None:
    limited = {"X-API-Key": KEYS["limited"]}
    statuses = [keyed.get("/v1/search", params=SEARCH, headers=limited).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = keyed.get("/v1/search", params=SEARCH, headers={"X-API-Key": KEYS["other"]})
    assert other.status_code == 200


class CountedTimer(threading.Timer):
    made = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        CountedTimer.made += 1
        super().__init__(*args, **kwargs)


def timers_made_by_spaced_hits(storage: MemoryStorage) -> int:
    limiter = MovingWindowRateLimiter(storage)
    before = CountedTimer.made
    for _ in range(5):
        time.sleep(0.015)  # longer than limits' 10 ms expiry timer: a quiet server
        assert limiter.hit(parse("100/minute"), "ip:127.0.0.1")
    return CountedTimer.made - before


def test_the_rate_limit_starts_no_thread_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threading, "Timer", CountedTimer)
    assert timers_made_by_spaced_hits(MemoryStorage()) >= 2  # limits' own storage: a timer thread per hit
    assert timers_made_by_spaced_hits(SweptMemoryStorage()) == 0


def test_the_swept_storage_forgets_expired_entries_and_still_limits() -> None:
    storage = SweptMemoryStorage(sweep_every_s=0.05)
    limiter, limit = MovingWindowRateLimiter(storage), parse("2/second")
    assert [limiter.hit(limit, "k") for _ in range(3)] == [True, True, False]
    time.sleep(1.2)
    assert not any(storage.events.values())  # swept (limits keeps the emptied list per key)
    assert limiter.hit(limit, "k")


def test_the_sweeper_ends_with_its_storage() -> None:
    storage = SweptMemoryStorage(sweep_every_s=0.02)
    sweeper = storage.timer
    del storage
    gc.collect()
    sweeper.join(timeout=2)
    assert not sweeper.is_alive()


# -- CORS -------------------------------------------------------------------------------------------------


def test_preflight_from_a_configured_origin_is_allowed(throttled: TestClient) -> None:
    response = throttled.options("/v1/search", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "X-API-Key",
    })
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "x-api-key" in response.headers["access-control-allow-headers"].lower()


def test_responses_to_a_configured_origin_expose_timing_and_request_id(throttled: TestClient) -> None:
    response = throttled.get("/healthz", headers={"Origin": ORIGIN})
    assert response.headers["access-control-allow-origin"] == ORIGIN
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "server-timing" in exposed and "x-request-id" in exposed


def test_other_origins_get_no_cors_headers(throttled: TestClient) -> None:
    response = throttled.get("/healthz", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in response.headers


def test_no_cors_headers_when_no_origin_is_configured(api: TestClient) -> None:
    response = api.get("/healthz", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in response.headers


# -- metrics ----------------------------------------------------------------------------------------------


def test_request_latency_is_counted_by_route_and_status(api: TestClient) -> None:
    name, labels = "caremap_http_request_duration_seconds_count", {"method": "GET", "route": "/v1/search"}
    before = metric_samples(api)
    assert api.get("/v1/search", params=SEARCH).status_code == 200
    assert api.get("/v1/search", params={"q": "knee pain", "near": "Nowhereville Zzz"}).status_code == 400
    after = metric_samples(api)
    assert sample(after, name, **labels, status="200") == sample(before, name, **labels, status="200") + 1
    assert sample(after, name, **labels, status="400") == sample(before, name, **labels, status="400") + 1


def test_unknown_paths_share_one_label_instead_of_their_raw_path(api: TestClient) -> None:
    assert api.get("/no-such-page-4711").status_code == 404
    samples = metric_samples(api)
    assert sample(samples, "caremap_http_request_duration_seconds_count",
                  method="GET", route="<unmatched>", status="404") >= 1
    assert not any("4711" in value for _, labels in samples for _, value in labels)


def test_route_label_is_the_path_template() -> None:
    app = FastAPI()

    @app.get("/v1/items/{slug}")
    async def item(slug: str) -> dict[str, str]:
        return {"slug": slug}

    scope = {"type": "http", "method": "GET", "path": "/v1/items/knee-replacement", "root_path": "",
             "query_string": b"", "headers": []}
    assert route_template(app.router.routes, scope) == "/v1/items/{slug}"


def test_embedding_time_and_cache_misses_then_hits_are_counted(api: TestClient) -> None:
    query = {"q": f"knee pain after running {uuid.uuid4().hex[:6]}", "near": "Serzhong"}
    cache, embed = "caremap_query_embedding_cache_total", "caremap_embedding_duration_seconds_count"
    before = metric_samples(api)
    assert api.get("/v1/search", params=query).status_code == 200
    after_miss = metric_samples(api)
    assert api.get("/v1/search", params=query).status_code == 200
    after_hit = metric_samples(api)
    assert sample(after_miss, cache, result="miss") == sample(before, cache, result="miss") + 1
    assert sample(after_miss, embed, route="/v1/search") == sample(before, embed, route="/v1/search") + 1
    assert sample(after_hit, cache, result="hit") == sample(after_miss, cache, result="hit") + 1
    assert sample(after_hit, embed, route="/v1/search") == sample(after_miss, embed, route="/v1/search")


def test_elasticsearch_time_is_observed_per_search(api: TestClient) -> None:
    name = "caremap_elasticsearch_duration_seconds_count"
    before = sample(metric_samples(api), name, route="/v1/search")
    assert api.get("/v1/search", params=SEARCH).status_code == 200
    assert sample(metric_samples(api), name, route="/v1/search") == before + 1


def test_metrics_and_logs_hold_neither_query_text_nor_coordinates(api: TestClient,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    secret = f"zq{uuid.uuid4().hex[:8]} headache"
    with caplog.at_level(logging.DEBUG):
        response = api.get("/v1/search", params={"q": secret, "lat": 41.2345, "lon": -100.2345})
    assert response.status_code == 200
    # The test client's own HTTP library logs the URL it requests; that is the caller's log, not the API's.
    api_logs = [r.getMessage() for r in caplog.records if not r.name.startswith("httpx")]
    assert any("/v1/search" in message for message in api_logs)
    text = api.get("/metrics").text + "\n".join(api_logs)
    for leak in (secret.split()[0], "41.2345", "100.2345"):
        assert leak not in text


def test_each_app_has_its_own_registry(base_settings: Settings) -> None:
    first, second = create_app(base_settings), create_app(base_settings)
    assert first.state.metrics.registry is not second.state.metrics.registry


def test_server_timing_header_is_parsed_into_named_entries() -> None:
    parsed = parse_header("embed;dur=0.00, es;dur=12.50, total;dur=20.1, embed-cache;desc=hit")
    assert parsed["es"] == {"dur": "12.50"}
    assert parsed["embed-cache"] == {"desc": "hit"}


def test_a_cache_hit_records_no_embedding_time() -> None:
    metrics = Metrics()
    metrics.observe("/v1/search", Recorder(embed_cache_hit=True, es_ms=3.0, es_calls=2))
    metrics.observe("/v1/search", Recorder(es_ms=3.0, es_calls=1))  # lexical: no embedding at all
    assert metrics.registry.get_sample_value("caremap_query_embedding_cache_total", {"result": "hit"}) == 1
    assert metrics.registry.get_sample_value("caremap_query_embedding_cache_total", {"result": "miss"}) is None
    assert metrics.registry.get_sample_value("caremap_elasticsearch_duration_seconds_count",
                                             {"route": "/v1/search"}) == 2
