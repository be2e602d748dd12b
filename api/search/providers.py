"""List providers: one page for a target near a location — widened honestly when nobody is near, continued
by cursor in the very index build that served page one."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from elasticsearch import NotFoundError

from api import queries
from api.elastic import Elastic
from api.errors import bad_parameter
from api.schemas import ResolvedLocation
from api.search.cursor import Cursor
from api.search.params import SearchParams
from api.search.target import Target
from caremap.embedding import Vector

WIDEN_FACTOR = 2.0
MAX_WIDEN_KM = 200.0
NEAREST_FALLBACK = 3  # beyond MAX_WIDEN_KM, show this many nearest performers rather than nothing


@dataclass
class ProviderPage:
    radius_km: float
    hits: list[dict[str, Any]]
    total: int
    facets: dict[str, Any] | None = None
    next_cursor: str | None = None
    nearest_fallback: bool = False
    nearest_km: float | None = None  # for an empty first page: how far the nearest match is, at any distance


def widening_steps(radius_km: float) -> list[float]:
    """The radii a first page tries in turn: the asked one, doubled step by step up to MAX_WIDEN_KM."""
    steps = [radius_km]
    while steps[-1] < MAX_WIDEN_KM:
        steps.append(min(steps[-1] * WIDEN_FACTOR, MAX_WIDEN_KM))
    return steps


class ProviderFinder:
    def __init__(self, es: Elastic) -> None:
        self._es = es

    async def page(self, target: Target, location: ResolvedLocation, params: SearchParams, *,
                   vector: Vector | None = None, pageable: bool = True) -> ProviderPage:
        """``vector``: the query's, for the semantic term of the ranking (None: distance and quality only)."""
        if params.cursor:
            return await self._next_page(target, location, params, vector)
        return await self._first_page(target, location, params, vector, pageable=pageable)

    async def _first_page(self, target: Target, location: ResolvedLocation, params: SearchParams,
                          vector: Vector | None, *, pageable: bool) -> ProviderPage:
        alias = index = self._es.alias("providers")
        for radius in widening_steps(params.where.radius_km):
            result = await self._search(index, _body(target, location, params, radius, vector, facets=True))
            if queries.hits_of(result):
                break
            # Nobody there: the next reads (wider radii, the nearest) go to the build the alias serves now,
            # pinned, so that a rebuild swapped in meanwhile cannot make one page out of two builds.
            if index == alias:
                index = await self._es.concrete(alias)
        fallback = False
        if not queries.hits_of(result):
            nearest = await self.nearest_km(target, location, rank=NEAREST_FALLBACK, index=index)
            if nearest is not None and nearest > radius:
                radius, fallback = math.ceil(nearest), True
                result = await self._search(index, _body(target, location, params, radius, vector, facets=True))
        hits = queries.hits_of(result)
        page = ProviderPage(radius_km=radius, hits=hits, total=int(result["hits"]["total"]["value"]),
                            facets=_facets(result.get("aggregations")), nearest_fallback=fallback)
        if not hits:  # the caller's filters can exclude everyone: say how far the nearest performer is
            page.nearest_km = await self.nearest_km(target, location, index=index)
        if pageable and page.total > len(hits) and hits:
            page.next_cursor = Cursor(index=hits[-1]["_index"], after=hits[-1]["sort"], radius_km=radius,
                                      binding=params.binding()).encode()
        return page

    async def _next_page(self, target: Target, location: ResolvedLocation, params: SearchParams,
                         vector: Vector | None) -> ProviderPage:
        assert params.cursor is not None
        cursor = Cursor.decode(params.cursor, binding=params.binding(), index_of=self._es.alias("providers"))
        body = _body(target, location, params, cursor.radius_km, vector, facets=False)
        body["search_after"] = cursor.after
        try:
            result = await self._search(cursor.index, body)
        except NotFoundError as e:  # the build page one came from has since been replaced twice and deleted
            raise bad_parameter("cursor", params.cursor[:40], "expired; run the search again from page one") from e
        hits = queries.hits_of(result)
        page = ProviderPage(radius_km=cursor.radius_km, hits=hits, total=int(result["hits"]["total"]["value"]))
        if hits and len(hits) == params.where.size:
            page.next_cursor = Cursor(index=cursor.index, after=hits[-1]["sort"], radius_km=cursor.radius_km,
                                      binding=cursor.binding).encode()
        return page

    async def nearest_km(self, target: Target, location: ResolvedLocation, *, rank: int = 1,
                         index: str | None = None) -> float | None:
        """Distance to the rank-th nearest matching provider (or the farthest there is), at any distance."""
        body = queries.nearest_performers(procedures=target.procedures, specialties=target.specialties,
                                          lat=location.lat, lon=location.lon, size=rank)
        result = await self._es.search(index or self._es.alias("providers"), body,
                                       filter_path=["took", "hits.hits.sort"])
        hits = queries.hits_of(result)
        return float(hits[-1]["sort"][0]) if hits else None

    async def _search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._es.search(index, body, filter_path=queries.PROVIDER_RESPONSE)


def _body(target: Target, location: ResolvedLocation, params: SearchParams, radius: float, vector: Vector | None,
          *, facets: bool) -> dict[str, Any]:
    return queries.providers_near(
        procedures=target.procedures, specialties=target.specialties, filters=params.filters,
        order=params.sort, lat=location.lat, lon=location.lon, radius_km=radius, size=params.where.size,
        facets=facets, query_vector=vector,
    )


def _facets(aggs: dict[str, Any] | None) -> dict[str, Any] | None:
    if not aggs:
        return None

    def buckets(name: str) -> list[dict[str, Any]]:
        return [{"value": b.get("key_as_string", b["key"]), "count": b["doc_count"]} for b in aggs[name]["buckets"]]

    return {
        "specialties": buckets("specialties"),
        "languages": buckets("languages"),
        "accepting_new_patients": buckets("accepting_new_patients"),
        "telehealth": buckets("telehealth"),
        "distance_bands": [{"value": b["key"], "count": b["doc_count"]} for b in aggs["distance_bands"]["buckets"]],
    }
