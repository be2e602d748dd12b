"""The API's Elasticsearch calls, in one place: each records its time in the request's recorder, and a search
is never served partial (Elasticsearch is told so, and the client checks ``_shards``: a lost shard is a 503,
not a silently shorter page)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from elasticsearch import AsyncElasticsearch

from api import timing
from caremap.settings import IndexName, Settings


class Elastic:
    def __init__(self, client: AsyncElasticsearch, settings: Settings) -> None:
        self.client = client
        self._settings = settings

    def alias(self, index: IndexName) -> str:
        return self._settings.alias(index)

    async def search(self, index: str, body: dict[str, Any], *,
                     filter_path: Sequence[str] | None = None) -> dict[str, Any]:
        """One search on ``index`` (an alias or a concrete build); ``filter_path`` trims the response."""
        recorder = timing.current()
        paths = list(filter_path) if filter_path is not None else None
        with timing.timed() as ms:  # the client refuses a response with failed shards (caremap.es_client)
            result = await self.client.search(index=index, filter_path=paths, allow_partial_search_results=False,
                                              **body)
        recorder.es_call(ms[0], took_ms=float(result.get("took", 0)))
        return dict(result)

    async def concrete(self, alias: str) -> str:
        """The index the alias points to now (the alias itself if it points to several)."""
        recorder = timing.current()
        with timing.timed() as ms:
            found = await self.client.indices.get_alias(name=alias)
        recorder.es_call(ms[0])
        names = sorted(found.body)
        return names[0] if len(names) == 1 else alias

    async def cluster_health(self) -> dict[str, Any]:
        return dict(await self.client.options(request_timeout=2).cluster.health())

    async def alias_exists(self, name: str) -> bool:
        return bool(await self.client.options(request_timeout=2).indices.exists_alias(name=name))

    async def close(self) -> None:
        await self.client.close()
