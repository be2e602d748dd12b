"""The chaos tier: a real 3-node cluster on loopback and the real server (uvicorn in a subprocess) over it.

The cluster (``CAREMAP_TEST_CLUSTER_PORT``, default 9281: HTTP 9281-9283, transport ``CAREMAP_TEST_CLUSTER_
TRANSPORT_PORT``, default 9381-9383) is started once per session by ``LocalCluster`` exactly as
``caremap es up --nodes 3`` does (transport TLS, one bootstrap password, 512 MB heaps), indexed with the
corpus and the first 300 sample providers, and stopped at the end. Tests kill, freeze and stop its nodes and
bring them back before they return (``restored``).
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from elasticsearch import Elasticsearch

from bench.server import running_server
from caremap.embedding import Embedder
from caremap.es_client import delete_indices, sync_client
from caremap.localcluster import LocalCluster
from caremap.localnode import LocalNode
from caremap.settings import PROJECT_ROOT, Settings

CLUSTER_PORT = int(os.environ.get("CAREMAP_TEST_CLUSTER_PORT", "9281"))
TRANSPORT_PORT = int(os.environ.get("CAREMAP_TEST_CLUSTER_TRANSPORT_PORT", str(CLUSTER_PORT + 100)))
SAMPLE = PROJECT_ROOT / "corpus" / "providers" / "sample.jsonl"


def first_providers(path: Path, count: int) -> Path:
    with SAMPLE.open() as f:
        path.write_text("".join(line for _, line in zip(range(count), f, strict=False)))
    return path


@pytest.fixture(scope="session")
def cluster(base_settings: Settings) -> Iterator[LocalCluster]:
    settings = base_settings.model_copy(update={"es_url": f"http://127.0.0.1:{CLUSTER_PORT}", "es_heap": "512m"})
    local = LocalCluster.from_settings(settings, size=3, transport_port=TRANSPORT_PORT)
    local.up()
    yield local
    local.down()


@pytest.fixture(scope="session")
def chaos_settings(cluster: LocalCluster, base_settings: Settings,
                   tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return base_settings.model_copy(update={
        "es_url": ",".join(cluster.urls), "index_prefix": f"chaos-{uuid.uuid4().hex[:8]}",
        "providers_file": first_providers(tmp_path_factory.mktemp("chaos") / "providers-300.jsonl", 300),
    })


@pytest.fixture(scope="session")
def cluster_es(chaos_settings: Settings) -> Iterator[Elasticsearch]:
    es = sync_client(chaos_settings)
    yield es
    if all(node.pid() for node in LocalCluster.from_settings(chaos_settings, size=3).nodes):
        delete_indices(es, f"{chaos_settings.index_prefix}-*")
    es.close()


@pytest.fixture(scope="session")
def chaos_built(cluster_es: Elasticsearch, chaos_settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """The corpus and 300 providers. The session's embedder caches document vectors: after the main suite's
    build (or the first one here) a rebuild of the same texts embeds nothing."""
    from indexer.build import build_indices

    return build_indices(chaos_settings, progress=False, embedder=embedder)


@pytest.fixture(scope="session")
def chaos_api(chaos_built: dict[str, Any], chaos_settings: Settings) -> Iterator[str]:
    """The real server (one uvicorn worker) over the three nodes, with the default short per-try timeout."""
    with running_server(es_url=chaos_settings.es_url, index_prefix=chaos_settings.index_prefix) as base:
        yield base


def wait_green(es: Elasticsearch, *, nodes: int = 3, within_s: float = 180) -> dict[str, Any]:
    health = es.options(request_timeout=within_s + 10, ignore_status=408).cluster.health(
        wait_for_status="green", wait_for_nodes=str(nodes), wait_for_no_initializing_shards=True,
        timeout=f"{within_s:.0f}s")
    assert not health["timed_out"], f"the cluster did not get back to green with {nodes} nodes: {health}"
    return dict(health.body)


def restored(cluster: LocalCluster, es: Elasticsearch) -> None:
    """Every node running again (the stopped ones restarted), all joined, every shard copy in place."""
    for node in cluster.nodes:
        if (pid := node.pid()) is not None:
            os.kill(pid, signal.SIGCONT)  # harmless unless it was frozen
    cluster.up()
    wait_green(es)


def node_named(cluster: LocalCluster, name: str) -> LocalNode:
    return next(node for node in cluster.nodes if node.name == name)


def elected_master(es: Elasticsearch) -> str:
    return str(es.cat.master(format="json")[0]["node"])


def nodes_holding(es: Elasticsearch, alias: str) -> set[str]:
    return {str(s["node"]) for s in es.cat.shards(index=alias, format="json") if s["state"] == "STARTED"}


def readiness(base: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{base}/readyz", timeout=10).json()
    return body


def wait_for_readiness(base: str, status: str, *, within_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + within_s
    while True:
        body = readiness(base)
        if body["status"] == status or time.monotonic() > deadline:
            return body
        time.sleep(0.5)
