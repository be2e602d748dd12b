"""Shared fixtures. Tests that touch Elasticsearch run against a real node the suite starts itself.

The test node listens on its own port (CAREMAP_TEST_ES_URL, default http://127.0.0.1:9250) and every run
uses its own index prefix, so tests never touch the data a developer is serving.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from caremap.embedding import Embedder
from caremap.es_client import delete_indices, sync_client
from caremap.localnode import LocalNode
from caremap.settings import PROJECT_ROOT, Settings

TEST_ES_URL = os.environ.get("CAREMAP_TEST_ES_URL", "http://127.0.0.1:9250")
#: The analyst key the session's apps accept on POST /v1/eval (sent as X-API-Key).
ANALYST_KEY = f"test-analyst-{uuid.uuid4().hex}"
ANALYST = {"X-API-Key": ANALYST_KEY}


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    # The whole suite calls from one client address: the rate limit is tested on apps of its own.
    return Settings(es_url=TEST_ES_URL, environment="test", index_prefix=f"test-{uuid.uuid4().hex[:8]}",
                    corpus_dir=PROJECT_ROOT / "corpus", rate_limit="1000000/minute",
                    analyst_api_keys=[hashlib.sha256(ANALYST_KEY.encode()).hexdigest()])


@pytest.fixture(scope="session")
def es_node(base_settings: Settings) -> str:
    """The test node: started (or reused) once per session when it is a loopback URL."""
    if base_settings.es_is_local:
        return LocalNode.from_settings(base_settings).up()
    return base_settings.es_url


@pytest.fixture(scope="session")
def es(es_node: str, base_settings: Settings) -> Iterator[Elasticsearch]:
    client = sync_client(base_settings)
    yield client
    delete_indices(client, f"{base_settings.index_prefix}-*")
    client.close()


@pytest.fixture(scope="session")
def embedder(base_settings: Settings) -> Embedder:
    return Embedder(base_settings.model)


@pytest.fixture(scope="session")
def built(es: Elasticsearch, base_settings: Settings, embedder: Embedder) -> dict[str, object]:
    """The sample corpus indexed once for the session under the session's prefix."""
    from indexer.build import build_indices

    return build_indices(base_settings, progress=False, embedder=embedder)


@pytest.fixture(scope="session")
def api(built: dict[str, object], base_settings: Settings) -> Iterator[TestClient]:
    from api.main import create_app

    with TestClient(create_app(base_settings)) as client:
        yield client


@pytest.fixture
def isolated_settings(base_settings: Settings, es: Elasticsearch) -> Iterator[Settings]:
    """Settings with a prefix of their own, for tests that build and break indices."""
    settings = base_settings.model_copy(update={"index_prefix": f"{base_settings.index_prefix}-{uuid.uuid4().hex[:6]}"})
    yield settings
    delete_indices(es, f"{settings.index_prefix}-*")


@pytest.fixture
def small_providers(tmp_path: Path) -> Path:
    """The first 60 sample providers: enough to index quickly."""
    source = PROJECT_ROOT / "corpus" / "providers" / "sample.jsonl"
    target = tmp_path / "providers.jsonl"
    with source.open() as f:
        target.write_text("".join(line for _, line in zip(range(60), f, strict=False)))
    return target
