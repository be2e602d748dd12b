"""Transport TLS for a local cluster: a private CA and one certificate per node, generated once.

Elasticsearch refuses a cluster without transport TLS as soon as it binds a non-loopback address, and its
entitlements only let a node read certificates inside its own config folder: each node's files are written
under ``<tls_dir>/<port>/`` and copied into that node's ``config/tls/``. The CA's private key is never
written: the certificates are issued in one go when the cluster is provisioned.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import trustme

#: Every node answers on loopback; the certificates are verified in full (host name included).
IDENTITIES = ("127.0.0.1", "localhost")


def ensure_node_certificates(tls_dir: Path, ports: Sequence[int]) -> None:
    """Write ``ca.crt``, ``node.crt`` and ``node.key`` for every port, unless they exist already."""
    if tls_dir.exists():
        missing = [p for p in ports if not (tls_dir / str(p) / "node.key").exists()]
        if missing:
            raise ValueError(f"{tls_dir} holds certificates for other nodes (none for ports {missing}); "
                             "remove the cluster's folder to provision it again")
        return
    tls_dir.parent.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="caremap local cluster", key_type=trustme.KeyType.RSA)
    with tempfile.TemporaryDirectory(dir=tls_dir.parent) as tmp:
        for port in ports:
            node_dir = Path(tmp) / str(port)
            node_dir.mkdir()
            # trustme's leaf certificates carry serverAuth and clientAuth: nodes are both ends of a connection.
            leaf = ca.issue_cert(*IDENTITIES, common_name=f"caremap-{port}", key_type=trustme.KeyType.RSA)
            ca.cert_pem.write_to_path(str(node_dir / "ca.crt"))
            leaf.cert_chain_pems[0].write_to_path(str(node_dir / "node.crt"))
            leaf.private_key_pem.write_to_path(str(node_dir / "node.key"))
            (node_dir / "node.key").chmod(0o600)
        # The rename publishes all of them at once: a crash leaves no cluster with half its certificates.
        shutil.move(tmp, tls_dir)
        Path(tmp).mkdir()  # TemporaryDirectory cleans up the path it made
