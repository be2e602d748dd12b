"""docker-compose.yml cannot run here; check it parses and uses the settings names the code reads."""

from __future__ import annotations

import yaml

from caremap.settings import PROJECT_ROOT, Settings


def compose() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())


def test_compose_has_elasticsearch_indexer_and_api() -> None:
    services = compose()["services"]
    assert set(services) == {"elasticsearch", "indexer", "api"}
    assert services["elasticsearch"]["image"].split(":")[-1].startswith("9.")
    assert services["elasticsearch"]["environment"]["xpack.security.enabled"] == "true"


def test_compose_settings_are_names_the_code_reads() -> None:
    prefix = Settings.model_config["env_prefix"]
    known = {prefix + name.upper() for name in Settings.model_fields}
    for service in ("indexer", "api"):
        env = compose()["services"][service]["environment"]
        caremap_vars = {k for k in env if k.startswith(prefix)}
        assert caremap_vars, service
        assert caremap_vars <= known, caremap_vars - known


def test_compose_pins_the_same_elasticsearch_version_as_the_local_node() -> None:
    from caremap.settings import ELASTICSEARCH_VERSION

    assert compose()["services"]["elasticsearch"]["image"].endswith(":" + ELASTICSEARCH_VERSION)
