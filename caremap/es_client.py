"""Elasticsearch clients built from settings: an external cluster or the local node or cluster, same code.

Every URL of ``CAREMAP_ES_URL`` is a node of the client's pool: requests go round the live ones, a node that
fails to answer (refused, reset, timed out, or a 5xx) sits out for 1 s, doubling on each further failure up to
30 s, while the request is retried on the next node. The API's client tries each request for at most
``CAREMAP_ES_SEARCH_TIMEOUT_S`` (a hung node costs that, not the whole request), retrying on timeouts too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from elastic_transport import ObjectApiResponse
from elasticsearch import AsyncElasticsearch, Elasticsearch
from elasticsearch.serializer import OrjsonSerializer

from caremap.localcluster import local_password
from caremap.settings import Settings

#: The node pool's back-off for a failed node: 1 s, doubling per consecutive failure, at most 30 s.
DEAD_NODE_BACKOFF_S = 1.0
MAX_DEAD_NODE_BACKOFF_S = 30.0


def client_options(settings: Settings, *, request_timeout_s: float | None = None) -> dict[str, Any]:
    """Connection keywords shared by the sync and async clients."""
    options: dict[str, Any] = {
        "hosts": settings.es_urls,
        "request_timeout": request_timeout_s or settings.es_request_timeout_s,
        "retry_on_timeout": True,
        "max_retries": settings.es_max_retries,
        "dead_node_backoff_factor": DEAD_NODE_BACKOFF_S,
        "max_dead_node_backoff": MAX_DEAD_NODE_BACKOFF_S,
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
        return local_password(settings)
    raise ValueError(
        f"no credentials for {settings.es_url}: set CAREMAP_ES_PASSWORD (with CAREMAP_ES_USER) or CAREMAP_ES_API_KEY"
    )


class PartialResultsError(RuntimeError):
    """A search came back with failed shards: its hits would be silently incomplete."""


def raise_if_partial(response: Mapping[str, Any]) -> None:
    """Refuse a search response some shards did not contribute to (Elasticsearch answers those with 200)."""
    shards = response.get("_shards") or {}
    if failed := int(shards.get("failed") or 0):
        raise PartialResultsError(f"{failed} of {shards.get('total', '?')} shards failed to answer a search")


class CompleteSearchClient(AsyncElasticsearch):
    """The async client whose searches are complete or an error, never silently partial.

    The API asks for ``allow_partial_search_results=false``, so Elasticsearch itself fails such a search;
    this checks ``_shards.failed`` as well (two more keys in each filtered response), for any search."""

    async def search(self, **kwargs: Any) -> ObjectApiResponse[Any]:
        if (wanted := kwargs.get("filter_path")) is not None:
            kept = [wanted] if isinstance(wanted, str) else list(wanted)
            kwargs["filter_path"] = [*kept, "_shards.failed", "_shards.total"]
        response = await super().search(**kwargs)
        raise_if_partial(response.body)
        return response


def sync_client(settings: Settings) -> Elasticsearch:
    return Elasticsearch(**client_options(settings))


def async_client(settings: Settings) -> AsyncElasticsearch:
    """The API's client: short tries (``es_search_timeout_s``), retried on another node."""
    return CompleteSearchClient(**client_options(settings, request_timeout_s=settings.es_search_timeout_s))


def delete_indices(es: Elasticsearch, pattern: str) -> list[str]:
    """Delete the indices matching ``pattern`` by name (clusters refuse wildcard deletes by default)."""
    names = sorted(es.indices.get(index=pattern, expand_wildcards="all", ignore_unavailable=True).keys())
    if names:
        es.indices.delete(index=",".join(names))
    return names
