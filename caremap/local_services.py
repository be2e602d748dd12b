"""What `caremap es up|down|status` do: one local node (the default) or a local cluster, chosen by node count.

One node is ``LocalNode`` exactly as before. ``--nodes N`` (N ≥ 2), or a ``CAREMAP_ES_URL`` listing N
loopback URLs, is a ``LocalCluster`` whose first HTTP port is ``--port`` (default: the URLs' lowest port).
``down`` and ``status`` find what was provisioned on that port.
"""

from __future__ import annotations

from caremap.localcluster import LocalCluster, cluster_dir
from caremap.localnode import LocalNode
from caremap.settings import Settings


def es_up(settings: Settings, *, nodes: int | None = None, port: int | None = None,
          transport_port: int | None = None) -> list[str]:
    """Start the local node or cluster; return its URLs."""
    size = nodes or len(settings.es_urls)
    if size == 1:
        node = _node(settings, port)
        if transport_port is not None:
            raise ValueError("--transport-port is for a cluster; a single node uses its HTTP port + 100")
        return [node.up()]
    return LocalCluster.from_settings(settings, size=size, port=port, transport_port=transport_port).up()


def es_down(settings: Settings, *, port: int | None = None) -> bool:
    """Stop what runs on ``port``: the cluster provisioned there and/or the single node."""
    cluster = _provisioned_cluster(settings, port)
    stopped = cluster.down() if cluster is not None else False
    return _node(settings, port).down() or stopped


def es_status(settings: Settings, *, port: int | None = None) -> tuple[dict[str, object], bool]:
    """The state of the cluster provisioned on ``port`` (else of the single node), and whether it is healthy."""
    cluster = _provisioned_cluster(settings, port)
    if cluster is not None and (cluster.health() is not None or not _node(settings, port).password_file.exists()):
        return cluster.status(), cluster.is_healthy()
    node = _node(settings, port)
    return node.status(), node.is_healthy()


def _node(settings: Settings, port: int | None) -> LocalNode:
    node = LocalNode.from_settings(settings)
    if port is None:
        return node
    return LocalNode(home=node.home, port=port, heap=node.heap, service_user=node.service_user)


def _provisioned_cluster(settings: Settings, port: int | None) -> LocalCluster | None:
    first = port or settings.es_port
    size_file = cluster_dir(settings.home, first) / "size"
    if not size_file.exists():
        return None
    return LocalCluster.from_settings(settings, size=int(size_file.read_text()), port=first)
