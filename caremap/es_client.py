"""Elasticsearch clients built from settings: an external cluster or the local node, same code."""

from __future__ import annotations

from typing import Any

from elasticsearch import AsyncElasticsearch, Elasticsearch
from elasticsearch.serializer import OrjsonSerializer

from caremap.localnode import LocalNode
from caremap.settings import Settings


def client_options(settings: Settings) -> dict[str, Any]:
    """Connection keywords shared by the sync and async clients."""
    options: dict[str, Any] = {
        "hosts": [settings.es_url],
        "request_timeout": settings.es_request_timeout_s,
        "retry_on_timeout": True,
        "max_retries": 2,
        "serializer": OrjsonSerializer(),  # (de)serialises search responses faster than the json module
    }
    if settings.es_ca_certs is not None:
        options["ca_certs"] = str(settings.es_ca_certs)
    if settings.es_api_key is not None:
        options["api_key"] = settings.es_api_key.get_secret_value()
    else:
        options["basic_auth"] = (settings.es_user, _password(settings))
    return options


def _password(settings: Settings) -> str:
    if settings.es_password is not None:
        return settings.es_password.get_secret_value()
    if settings.es_is_local:
        return LocalNode.from_settings(settings).password()
    raise ValueError(
        f"no credentials for {settings.es_url}: set CAREMAP_ES_PASSWORD (with CAREMAP_ES_USER) or CAREMAP_ES_API_KEY"
    )


def sync_client(settings: Settings) -> Elasticsearch:
    return Elasticsearch(**client_options(settings))


def async_client(settings: Settings) -> AsyncElasticsearch:
    return AsyncElasticsearch(**client_options(settings))


def delete_indices(es: Elasticsearch, pattern: str) -> list[str]:
    """Delete the indices matching ``pattern`` by name (clusters refuse wildcard deletes by default)."""
    names = sorted(es.indices.get(index=pattern, expand_wildcards="all", ignore_unavailable=True).keys())
    if names:
        es.indices.delete(index=",".join(names))
    return names
