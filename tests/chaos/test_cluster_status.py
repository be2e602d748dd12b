"""The local cluster as `caremap es up --nodes 3` leaves it: three nodes joined over TLS, one password."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest
from elasticsearch import Elasticsearch

from caremap.localcluster import LocalCluster
from caremap.settings import PROJECT_ROOT

pytestmark = [pytest.mark.es, pytest.mark.chaos]


def test_status_lists_every_node_health_and_shards(cluster: LocalCluster, chaos_built: dict[str, object]) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "caremap", "es", "status", "--port", str(cluster.port)],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60, check=False,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("CAREMAP_")},
             "CAREMAP_HOME": str(cluster.home)},
    )
    assert out.returncode == 0, out.stderr
    status = json.loads(out.stdout)
    assert status["health"] == "green"
    assert [n["url"] for n in status["nodes"]] == cluster.urls
    assert all(n["joined"] and n["pid"] for n in status["nodes"])
    assert sum(n["master"] for n in status["nodes"]) == 1
    assert status["shards"]["active_primary"] >= 2 and status["shards"]["unassigned"] == 0


def test_every_node_runs_transport_tls_and_takes_the_one_password(cluster: LocalCluster,
                                                                 cluster_es: Elasticsearch) -> None:
    settings = cluster_es.nodes.info(metric="settings")["nodes"]
    assert len(settings) == 3
    for node in settings.values():  # (the node info leaves out the TLS file and verification settings)
        assert node["settings"]["xpack"]["security"]["transport"]["ssl"]["enabled"] == "true"
    for url in cluster.urls:
        assert httpx.get(f"{url}/_cluster/health", auth=("elastic", cluster.password()), timeout=10).status_code == 200
        assert httpx.get(f"{url}/_cluster/health", timeout=10).status_code == 401


def test_replicas_follow_the_index_settings(cluster_es: Elasticsearch, chaos_built: dict[str, object]) -> None:
    indices: dict[str, str] = chaos_built["indices"]  # type: ignore[assignment]
    copies = {index: len(cluster_es.cat.shards(index=name, format="json")) for index, name in indices.items()}
    assert copies == {"procedures": 3, "providers": 2}  # 0-all: every node; 0-1: one replica
