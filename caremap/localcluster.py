"""A local Elasticsearch cluster: several ``LocalNode``s on loopback that find each other, for failover work.

``LocalCluster(port=P, size=3)`` runs nodes with HTTP ports P, P+1, P+2 and transport ports T, T+1, T+2
(T defaults to P+100), under ``<home>/clusters/<P>/<port>/``. What they share is made once, when the cluster
is provisioned: one ``elastic`` password (in every node's keystore as ``bootstrap.password``, and in
``<home>/clusters/<P>/password``, mode 0600: this distribution cannot store native users) and the transport
TLS certificates (a private CA, one certificate per node). ``cluster.initial_master_nodes`` is passed only
on the very first start (left in place it would invite a second cluster to form after a data loss).
"""

from __future__ import annotations

import contextlib
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from caremap.cluster_tls import ensure_node_certificates
from caremap.es_dist import LocalNodeError, terminate
from caremap.localnode import LocalNode, Membership
from caremap.settings import ELASTICSEARCH_VERSION, Settings

#: elasticsearch.yml lines of every node of a local cluster.
CLUSTER_SETTINGS = (
    # Three JVMs share the machine's cores: each sizes its thread pools for one.
    "node.processors: 1",
    # A hung node is removed after ~3 missed checks of 4 s instead of 3 of 10 s (measured 33.6 s). Safe on
    # loopback, where a healthy node answers in milliseconds; a multi-host cluster keeps the defaults.
    "cluster.fault_detection.follower_check.timeout: 4s",
    "cluster.fault_detection.leader_check.timeout: 4s",
)


@dataclass(frozen=True)
class LocalCluster:
    home: Path
    port: int
    size: int
    heap: str
    service_user: str
    transport_port: int | None = None
    version: str = ELASTICSEARCH_VERSION

    @classmethod
    def from_settings(cls, settings: Settings, *, size: int, port: int | None = None,
                      transport_port: int | None = None) -> LocalCluster:
        if not settings.es_is_local:
            raise LocalNodeError(f"CAREMAP_ES_URL={settings.es_url} is not on loopback; "
                                 "a local cluster is only for http://127.0.0.1:<port>")
        if size < 2:
            raise LocalNodeError(f"a cluster needs at least 2 nodes, not {size}; one node is `caremap es up`")
        return cls(home=settings.home, port=port or settings.es_port, size=size, heap=settings.es_heap,
                   service_user=settings.es_service_user, transport_port=transport_port)

    # -- layout ------------------------------------------------------------------------------------
    @property
    def cluster_dir(self) -> Path:
        return cluster_dir(self.home, self.port)

    @property
    def name(self) -> str:
        return f"caremap-cluster-{self.port}"

    @property
    def nodes(self) -> list[LocalNode]:
        first_transport = self.transport_port or self.port + 100
        seeds = tuple(range(first_transport, first_transport + self.size))
        return [
            LocalNode(home=self.home, port=self.port + i, heap=self.heap, service_user=self.service_user,
                      version=self.version,
                      membership=Membership(cluster_dir=self.cluster_dir, cluster_name=self.name,
                                            transport_port=seeds[i], seed_transport_ports=seeds,
                                            settings=CLUSTER_SETTINGS))
            for i in range(self.size)
        ]

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def password(self) -> str:
        return self.nodes[0].password()

    # -- operations --------------------------------------------------------------------------------
    def up(self, *, timeout_s: float = 300.0) -> list[str]:
        """Provision (once) and start every node that is not running; wait until all have joined."""
        if self.is_healthy():
            return self.urls
        nodes = [node for node in self.nodes if node.pid() is None]
        busy = [node.port for node in nodes if _answers(node.url)]
        if busy:
            raise LocalNodeError(f"ports {busy} answer but not as nodes of {self.name}; choose another --port")
        self._provision()
        formed = self.cluster_dir / "formed"
        extra = () if formed.exists() else (
            "cluster.initial_master_nodes=" + ",".join(node.name for node in self.nodes),)
        # All at once: a master-eligible node waits for a quorum before its start completes.
        for node, proc in [(node, node.launch(extra=extra)) for node in nodes]:
            node.launched(proc)
        self._wait_formed(timeout_s)
        formed.touch()
        return self.urls

    def down(self, *, timeout_s: float = 60.0) -> bool:
        """Stop every node (their data stays); return whether any was running."""
        pids = [pid for node in self.nodes if (pid := node.pid()) is not None]
        terminate(pids, timeout_s=timeout_s, poll_s=0.5)
        for node in self.nodes:
            node.pid_file.unlink(missing_ok=True)
        return bool(pids)

    def health(self) -> dict[str, Any] | None:
        """The cluster's health as any running node reports it, else None."""
        body = self._get("_cluster/health")
        return body if isinstance(body, dict) else None

    def is_healthy(self) -> bool:
        health = self.health()
        return bool(health and health.get("status") in {"green", "yellow"}
                    and health.get("number_of_nodes") == self.size)

    def status(self) -> dict[str, object]:
        health = self.health() or {}
        listed = self._get("_cat/nodes", params={"format": "json", "h": "name,http_address,master,node.role"})
        joined = {n["name"]: n for n in listed} if isinstance(listed, list) else {}
        return {
            "cluster": self.name,
            "version": self.version,
            "health": health.get("status"),
            "nodes": [{"name": node.name, "url": node.url, "pid": node.pid(),
                       "joined": node.name in joined,
                       "master": joined.get(node.name, {}).get("master") == "*"} for node in self.nodes],
            "number_of_nodes": health.get("number_of_nodes"),
            "shards": {key: health.get(f"{key}_shards") for key in
                       ("active_primary", "active", "relocating", "initializing", "unassigned")},
            "cluster_dir": str(self.cluster_dir),
        }

    # -- internals ---------------------------------------------------------------------------------
    def _provision(self) -> None:
        self.cluster_dir.mkdir(parents=True, exist_ok=True)
        size_file = self.cluster_dir / "size"
        if size_file.exists() and int(size_file.read_text()) != self.size:
            raise LocalNodeError(f"{self.cluster_dir} was provisioned for {size_file.read_text().strip()} nodes, "
                                 f"not {self.size}; `caremap es down` it and remove the folder to start over")
        password_file = self.cluster_dir / "password"
        if not password_file.exists():
            password_file.write_text(secrets.token_urlsafe(24) + "\n")
            password_file.chmod(0o600)
        ensure_node_certificates(self.cluster_dir / "tls", [node.port for node in self.nodes])
        size_file.write_text(f"{self.size}\n")
        for node in self.nodes:
            node.prepare()

    def _wait_formed(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.is_healthy():
                return
            if all(node.pid() is None for node in self.nodes):
                break
            time.sleep(1.0)
        tails = "\n".join(f"--- {node.log_file}:\n{node.log_tail()}" for node in self.nodes)
        raise LocalNodeError(f"{self.name} did not form with {self.size} nodes within {timeout_s:.0f}s "
                             f"(health: {self.health()}).\n{tails}")

    def _get(self, path: str, params: dict[str, str] | None = None) -> object:
        if not (self.cluster_dir / "password").exists():
            return None
        for url in self.urls:
            with contextlib.suppress(httpx.HTTPError, ValueError):
                r = httpx.get(f"{url}/{path}", params=params, auth=("elastic", self.password()), timeout=2.0)
                if r.status_code == 200:
                    body: object = r.json()
                    return body
        return None


def cluster_dir(home: Path, port: int) -> Path:
    return home / "clusters" / str(port)


def local_password(settings: Settings) -> str:
    """The ``elastic`` password of the local node or cluster that ``settings`` point at."""
    shared = cluster_dir(settings.home, settings.es_port) / "password"
    node = LocalNode.from_settings(settings)
    if shared.exists() and (len(settings.es_urls) > 1 or not node.password_file.exists()):
        return shared.read_text().strip()
    return node.password()


def _answers(url: str) -> bool:
    try:
        httpx.get(f"{url}/_cluster/health", timeout=1.0)
    except httpx.HTTPError:
        return False
    return True
