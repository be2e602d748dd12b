"""An Elasticsearch outage: the API answers 503 problems while the node is down and recovers on its own.

This test stops a node, so it starts a throwaway one of its own on port 9271 (never the shared 9200/9250),
indexes 60 providers into it, and stops it at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from caremap.embedding import Embedder
from caremap.es_client import delete_indices, sync_client
from caremap.localnode import LocalNode
from caremap.settings import Settings

pytestmark = pytest.mark.es

OUTAGE_PORT = 9271
QUERY = {"q": "headache worse when upright", "near": "Serzhong", "radius_km": 200}


@pytest.fixture
def outage_settings(base_settings: Settings, small_providers: Path) -> Settings:
    return base_settings.model_copy(update={
        "es_url": f"http://127.0.0.1:{OUTAGE_PORT}",
        "es_heap": "512m",
        "es_request_timeout_s": 3.0,
        "index_prefix": f"outage-{uuid.uuid4().hex[:8]}",
        "providers_file": small_providers,
    })


@pytest.fixture
def outage_node(outage_settings: Settings, embedder: Embedder) -> Iterator[LocalNode]:
    """A node of this test's own, indexed with a small corpus; stopped (indices deleted) afterwards."""
    from indexer.build import build_indices

    node = LocalNode.from_settings(outage_settings)
    assert node.port not in (9200, 9250)
    node.up()
    try:
        build_indices(outage_settings, progress=False, embedder=embedder)
        yield node
    finally:
        if node.is_healthy():
            es = sync_client(outage_settings)
            try:
                delete_indices(es, f"{outage_settings.index_prefix}-*")
            finally:
                es.close()
        node.down()


def assert_unavailable_problem(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert response.json()["status"] == 503


def test_search_answers_503_during_an_outage_and_recovers_without_a_restart(
    outage_node: LocalNode, outage_settings: Settings
) -> None:
    with TestClient(create_app(outage_settings)) as client:
        before = client.get("/v1/search", params=QUERY)
        assert before.status_code == 200, before.text
        assert before.json()["providers"]
        assert client.get("/readyz").status_code == 200

        assert outage_node.down()
        assert_unavailable_problem(client.get("/v1/search", params=QUERY))
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.headers["Retry-After"]
        assert ready.json()["status"] == "unavailable"

        outage_node.up()
        after = client.get("/v1/search", params=QUERY)
        assert after.status_code == 200, after.text
        assert [p["id"] for p in after.json()["providers"]] == [p["id"] for p in before.json()["providers"]]
        assert client.get("/readyz").status_code == 200
