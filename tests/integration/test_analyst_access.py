"""POST /v1/eval needs an analyst key (CAREMAP_ANALYST_API_KEYS) in every mode, even when search is public."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.security import hash_key
from caremap.settings import Settings
from tests.conftest import ANALYST

pytestmark = pytest.mark.es

SERVICE_KEY = "service-key-not-an-analyst"
BODY = {"judgments": [{"query": "numb fingers at night", "procedures": {"carpal-tunnel-release": 3}}],
        "strategies": ["lexical"]}


@pytest.fixture(scope="module")
def keyed_api(built: dict[str, object], base_settings: Settings) -> Iterator[TestClient]:
    """Authentication on for search, with one service key that is not an analyst key."""
    settings = base_settings.model_copy(update={"auth_enabled": True, "api_keys": [hash_key(SERVICE_KEY)]})
    with TestClient(create_app(settings)) as client:
        yield client


def test_eval_without_a_key_is_401_even_when_search_is_public(api: TestClient) -> None:
    assert api.get("/v1/search", params={"q": "knee pain", "near": "Boston"}).status_code == 200
    response = api.post("/v1/eval", json=BODY)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "analyst API key" in response.json()["detail"]


def test_eval_with_a_wrong_key_is_401(api: TestClient) -> None:
    assert api.post("/v1/eval", json=BODY, headers={"X-API-Key": "guess"}).status_code == 401


def test_eval_with_the_analyst_key_runs(api: TestClient) -> None:
    response = api.post("/v1/eval", json=BODY, headers=ANALYST)
    assert response.status_code == 200, response.text
    assert response.json()["metrics"]["lexical"]["queries"] == 1


def test_a_service_key_opens_search_but_not_eval(keyed_api: TestClient) -> None:
    service = {"X-API-Key": SERVICE_KEY}
    assert keyed_api.get("/v1/search", params={"q": "knee pain", "near": "Boston"}, headers=service).status_code == 200
    assert keyed_api.post("/v1/eval", json=BODY, headers=service).status_code == 401
    assert keyed_api.post("/v1/eval", json=BODY, headers=ANALYST).status_code == 200


def test_no_analyst_keys_configured_means_eval_is_closed(built: dict[str, object], base_settings: Settings) -> None:
    with TestClient(create_app(base_settings.model_copy(update={"analyst_api_keys": []}))) as client:
        assert client.post("/v1/eval", json=BODY, headers=ANALYST).status_code == 401


def test_the_contract_says_eval_needs_a_key(api: TestClient) -> None:
    operation = api.get("/openapi.json").json()["paths"]["/v1/eval"]["post"]
    assert operation["security"] == [{"ApiKey": []}]
