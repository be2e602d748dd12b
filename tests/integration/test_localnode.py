"""The embedded default: a real node, provisioned by the project, with security on."""

from __future__ import annotations

import httpx
import pytest

from caremap.localnode import LocalNode, find_java
from caremap.settings import Settings

pytestmark = pytest.mark.es


def test_up_is_idempotent(es_node: str, base_settings: Settings) -> None:
    if not base_settings.es_is_local:
        pytest.skip("an external cluster is configured; there is no local node to provision")
    node = LocalNode.from_settings(base_settings)
    assert node.up() == es_node
    assert node.status()["health"] in {"green", "yellow"}


def test_security_is_on(es_node: str, base_settings: Settings) -> None:
    anonymous = httpx.get(f"{es_node}/_cluster/health", timeout=5)
    assert anonymous.status_code == 401


def test_java_found_is_recent_enough() -> None:
    import subprocess

    java = find_java() / "bin" / "java"
    out = subprocess.run([str(java), "-version"], capture_output=True, text=True, check=True).stderr
    major = int(out.split('"')[1].split(".")[0])
    assert major >= 21


def test_a_non_loopback_url_is_refused_for_the_local_node() -> None:
    from caremap.localnode import LocalNodeError

    with pytest.raises(LocalNodeError, match="not a loopback"):
        LocalNode.from_settings(Settings(es_url="https://search.example.org:9200"))
