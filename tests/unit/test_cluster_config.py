"""What a local cluster writes for its nodes, and the settings that point the project at several nodes.

No Elasticsearch here: the node configs, the certificates and the settings are checked as data.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from pydantic import ValidationError

from caremap.cluster_tls import ensure_node_certificates
from caremap.index_contract import index_body
from caremap.localcluster import LocalCluster
from caremap.localnode import LocalNode, elasticsearch_yml
from caremap.settings import Settings


def cluster(tmp_path: Path, **kw: object) -> LocalCluster:
    return LocalCluster(home=tmp_path, port=9281, size=3, heap="512m", service_user="nobody", **kw)  # type: ignore[arg-type]


def yml(node: LocalNode) -> dict[str, str]:
    text = elasticsearch_yml(node)
    return dict(line.split(": ", 1) for line in text.splitlines() if line)


def test_each_node_has_its_ports_and_every_seed(tmp_path: Path) -> None:
    configs = [yml(node) for node in cluster(tmp_path, transport_port=9381).nodes]
    assert [c["http.port"] for c in configs] == ["9281", "9282", "9283"]
    assert [c["transport.port"] for c in configs] == ["9381", "9382", "9383"]
    assert {c["discovery.seed_hosts"] for c in configs} == {
        '["127.0.0.1:9381", "127.0.0.1:9382", "127.0.0.1:9383"]'}
    assert {c["cluster.name"] for c in configs} == {"caremap-cluster-9281"}
    assert len({c["node.name"] for c in configs}) == 3


def test_nodes_run_transport_tls_one_processor_and_no_bootstrap_list(tmp_path: Path) -> None:
    config = yml(cluster(tmp_path).nodes[1])
    assert config["xpack.security.transport.ssl.enabled"] == "true"
    assert config["xpack.security.transport.ssl.verification_mode"] == "full"
    assert config["node.processors"] == "1"
    assert config["transport.port"] == "9382"  # HTTP port + 100 by default
    assert "discovery.type" not in config
    assert "cluster.initial_master_nodes" not in config  # only ever passed on the first start


def test_a_single_node_keeps_todays_config(tmp_path: Path) -> None:
    from caremap.localnode import LocalNode

    config = yml(LocalNode(home=tmp_path, port=9271, heap="1g", service_user="nobody"))
    assert config["discovery.type"] == "single-node"
    assert config["xpack.security.transport.ssl.enabled"] == "false"
    assert config["transport.port"] == "9371"
    assert config["cluster.name"] == "caremap-9271"


def test_a_cluster_needs_two_nodes() -> None:
    from caremap.localnode import LocalNodeError

    with pytest.raises(LocalNodeError, match="at least 2 nodes"):
        LocalCluster.from_settings(Settings(), size=1)


def test_certificates_verify_in_full_for_both_ends(tmp_path: Path) -> None:
    ensure_node_certificates(tmp_path / "tls", [9281, 9282])
    for port in (9281, 9282):
        folder = tmp_path / "tls" / str(port)
        cert = x509.load_pem_x509_certificate((folder / "node.crt").read_bytes())
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH} <= set(usages)
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert names.get_values_for_type(x509.DNSName) == ["localhost"]
        assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
        context = ssl.create_default_context(cafile=str(folder / "ca.crt"))
        context.load_cert_chain(folder / "node.crt", folder / "node.key")  # key and certificate match
        assert (folder / "node.key").stat().st_mode & 0o077 == 0


def test_certificates_are_made_once(tmp_path: Path) -> None:
    ensure_node_certificates(tmp_path / "tls", [9281])
    first = (tmp_path / "tls" / "9281" / "node.crt").read_bytes()
    ensure_node_certificates(tmp_path / "tls", [9281])
    assert (tmp_path / "tls" / "9281" / "node.crt").read_bytes() == first
    with pytest.raises(ValueError, match="ports \\[9282\\]"):
        ensure_node_certificates(tmp_path / "tls", [9281, 9282])


# -- settings -------------------------------------------------------------------------------------------


def test_a_list_of_urls_is_every_node_and_the_lowest_port_is_the_local_cluster() -> None:
    settings = Settings(es_url="http://127.0.0.1:9282, http://127.0.0.1:9281,http://127.0.0.1:9283")
    assert settings.es_urls == ["http://127.0.0.1:9282", "http://127.0.0.1:9281", "http://127.0.0.1:9283"]
    assert settings.es_port == 9281
    assert settings.es_is_local
    assert settings.es_nodes_expected == 3
    assert Settings(es_url="http://127.0.0.1:9281", es_expected_nodes=3).es_nodes_expected == 3


def test_a_list_with_one_remote_url_is_not_local() -> None:
    assert not Settings(es_url="http://127.0.0.1:9200,https://search.example.org:9200").es_is_local


@pytest.mark.parametrize("value", ["", "search.example.org:9200", "ftp://x:1", "http://127.0.0.1:9200,nope"])
def test_a_malformed_url_list_is_refused_naming_the_item(value: str) -> None:
    with pytest.raises(ValidationError, match="CAREMAP_ES_URL"):
        Settings(es_url=value)


def test_index_settings_go_over_the_mapping_files() -> None:
    assert index_body("procedures")["settings"] == {"number_of_shards": 1, "auto_expand_replicas": "0-all"}
    assert index_body("providers")["settings"] == {"number_of_shards": 1, "auto_expand_replicas": "0-1"}
    explicit = index_body("providers", settings={"number_of_shards": 3, "number_of_replicas": 2})["settings"]
    assert explicit == {"number_of_shards": 3, "number_of_replicas": 2, "auto_expand_replicas": "false"}


def test_index_settings_come_from_json_and_name_known_indices_only() -> None:
    settings = Settings(index_settings='{"providers": {"number_of_replicas": 1}}')  # type: ignore[arg-type]
    assert settings.index_settings == {"providers": {"number_of_replicas": 1}}
    with pytest.raises(ValidationError, match="expected only 'procedures' and 'providers'"):
        Settings(index_settings='{"doctors": {}}')  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="not JSON"):
        Settings(index_settings="{providers")  # type: ignore[arg-type]


def test_rate_limit_storage_is_memory_or_a_redis_url() -> None:
    assert Settings().rate_limit_storage == "memory://"
    assert Settings(rate_limit_storage="redis://127.0.0.1:6391/0").rate_limit_storage.startswith("redis://")
    with pytest.raises(ValidationError, match="rate_limit_storage"):
        Settings(rate_limit_storage="memcached://127.0.0.1:11211")
