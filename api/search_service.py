"""The search use case: location → red flags → interpretation → providers within reach (widening honestly)."""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from elasticsearch import AsyncElasticsearch

from api import queries
from api.errors import bad_parameter
from api.interpretation import PieceHit, ProcedureScore, Strategy, fuse
from api.schemas import (
    ClinicOut,
    Coordinates,
    Interpretation,
    InterpretedProcedure,
    PieceMatch,
    PlaceOption,
    ProviderExplanation,
    ProviderResult,
    ResolvedLocation,
    SearchResponse,
    Urgent,
)
from api.triage import match_red_flags
from caremap.corpus.load import Corpus
from caremap.embedding import Embedder, Vector
from caremap.places import Gazetteer, PlaceMatch
from caremap.settings import Settings

WIDEN_FACTOR = 2.0
MAX_WIDEN_KM = 200.0
PROVIDER_PROCEDURES = 1  # providers are matched to the top interpretation (or the procedure asked for)


@dataclass(frozen=True)
class SearchParams:
    q: str
    near: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float = 25.0
    size: int = 10
    strategy: Strategy = "hybrid"
    explain: bool = False
    procedure: str | None = None


@dataclass
class Timings:
    """Where a request's time went, reported in the Server-Timing header (milliseconds)."""

    embed_ms: float = 0.0
    es_ms: float = 0.0
    cache_hit: bool = False

    def header(self, total_ms: float) -> str:
        return (f"embed;dur={self.embed_ms:.2f}, es;dur={self.es_ms:.2f}, total;dur={total_ms:.2f}"
                + (", embed-cache;desc=hit" if self.cache_hit else ""))


def _option(place: PlaceMatch) -> PlaceOption:
    return PlaceOption(id=place.id, label=place.label, lat=place.lat, lon=place.lon)


class QueryVectors:
    """A small LRU cache of query embeddings: search boxes send the same queries again and again."""

    def __init__(self, embedder: Embedder, *, capacity: int = 2048) -> None:
        self._embedder = embedder
        self._cache: OrderedDict[str, Vector] = OrderedDict()
        self._capacity = capacity

    async def get(self, text: str, timings: Timings) -> Vector:
        key = " ".join(text.lower().split())
        if key in self._cache:
            self._cache.move_to_end(key)
            timings.cache_hit = True
            return self._cache[key]
        started = time.perf_counter()
        vector = await asyncio.to_thread(self._embedder.embed_query, key)
        timings.embed_ms += (time.perf_counter() - started) * 1000
        self._cache[key] = vector
        if len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
        return vector


class SearchService:
    def __init__(self, *, es: AsyncElasticsearch, embedder: Embedder, gazetteer: Gazetteer, corpus: Corpus,
                 settings: Settings) -> None:
        self.es, self.gazetteer, self.corpus, self.settings = es, gazetteer, corpus, settings
        self.vectors = QueryVectors(embedder)
        self.procedure_names = {a.slug: a.name for a in corpus.articles}

    async def _search(self, timings: Timings, index: str, body: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        result = await self.es.search(index=index, **body)
        timings.es_ms += (time.perf_counter() - started) * 1000
        return dict(result)

    # -- location ----------------------------------------------------------------------------------
    def resolve_location(self, params: SearchParams) -> ResolvedLocation:
        if (params.lat is None) != (params.lon is None):
            missing = "lon" if params.lon is None else "lat"
            raise bad_parameter(missing, None, "lat and lon must be given together")
        if params.lat is not None and params.lon is not None:
            place = self.gazetteer.reverse(params.lat, params.lon)
            label = place.label if place else f"{params.lat:.3f}, {params.lon:.3f}"
            return ResolvedLocation(lat=params.lat, lon=params.lon, label=label, source="coordinates")
        if not params.near or not params.near.strip():
            raise bad_parameter("near", params.near, "give a place name or ZIP in near, or lat and lon")
        resolution = self.gazetteer.resolve(params.near)
        best = resolution.best
        if best is None and resolution.alternatives:
            options = [p.label for p in resolution.alternatives[:5]]
            raise bad_parameter("near", params.near, f"ambiguous or misspelled place; did you mean one of {options}?",
                                alternatives=[_option(p).model_dump() for p in resolution.alternatives[:5]])
        if best is None:
            raise bad_parameter("near", params.near,
                                "unknown place; use a city ('Boston'), 'City, ST' ('Springfield, IL') or a 5-digit ZIP")
        return ResolvedLocation(
            lat=best.lat, lon=best.lon, label=best.label, source="place", ambiguous=resolution.ambiguous,
            alternatives=[_option(p) for p in resolution.alternatives if p.id != best.id][:5],
        )

    # -- interpretation ----------------------------------------------------------------------------
    async def interpret(self, q: str, strategy: Strategy, timings: Timings) -> list[ProcedureScore]:
        alias = self.settings.alias("procedures")
        signals: dict[str, list[PieceHit]] = {}
        bodies: dict[str, dict[str, Any]] = {}
        if strategy in ("semantic", "hybrid"):
            bodies["semantic"] = queries.semantic_pieces(await self.vectors.get(q, timings))
        if strategy in ("lexical", "hybrid"):
            bodies["lexical"] = queries.lexical_pieces(q)
        started = time.perf_counter()
        results = await asyncio.gather(*(self.es.search(index=alias, **body) for body in bodies.values()))
        timings.es_ms += (time.perf_counter() - started) * 1000
        for name, result in zip(bodies, results, strict=True):
            signals[name] = [PieceHit.from_hit(h) for h in result["hits"]["hits"]]
        return fuse(signals)

    # -- providers ---------------------------------------------------------------------------------
    async def providers(self, procedures: list[str], location: ResolvedLocation, radius_km: float,
                        size: int, timings: Timings) -> tuple[float, dict[str, Any]]:
        """Search inside the radius; when nobody is there, widen step by step up to MAX_WIDEN_KM."""
        alias = self.settings.alias("providers")
        radius = radius_km
        while True:
            body = queries.providers_near(procedures=procedures, lat=location.lat, lon=location.lon,
                                          radius_km=radius, size=size)
            result = await self._search(timings, alias, body)
            if result["hits"]["hits"] or radius >= MAX_WIDEN_KM:
                return radius, result
            radius = min(radius * WIDEN_FACTOR, MAX_WIDEN_KM)

    async def nearest_km(self, procedures: list[str], location: ResolvedLocation,
                         timings: Timings) -> float | None:
        body = queries.nearest_performer(procedures=procedures, lat=location.lat, lon=location.lon)
        result = await self._search(timings, self.settings.alias("providers"), body)
        hits = result["hits"]["hits"]
        return float(hits[0]["sort"][0]) if hits else None

    # -- the whole search --------------------------------------------------------------------------
    async def search(self, params: SearchParams, timings: Timings | None = None) -> SearchResponse:
        timings = timings or Timings()
        location = self.resolve_location(params)
        if params.procedure is not None and params.procedure not in self.procedure_names:
            raise bad_parameter("procedure", params.procedure, "a procedure slug from /v1/procedures")
        urgent = match_red_flags(params.q, self.corpus.red_flags)
        ranked = await self.interpret(params.q, params.strategy, timings)
        chosen = [params.procedure] if params.procedure else [p.slug for p in ranked[:PROVIDER_PROCEDURES]]
        radius, notice = params.radius_km, None
        result: dict[str, Any] = {"hits": {"hits": [], "total": {"value": 0}}}
        if chosen:
            radius, result = await self.providers(chosen, location, params.radius_km, params.size, timings)
            notice = await self._notice(chosen, location, params.radius_km, radius, result, timings)
        return SearchResponse(
            query=params.q,
            urgent=Urgent(level=urgent.level, advice=urgent.advice, red_flag=urgent.id) if urgent else None,  # type: ignore[arg-type]
            interpretation=Interpretation(
                strategy=params.strategy,
                procedures=[self._interpreted(p, explain=params.explain) for p in ranked],
            ),
            location=location,
            radius_km=radius,
            requested_radius_km=params.radius_km,
            widened=radius > params.radius_km,
            notice=notice,
            providers=[self._provider(h, chosen, radius, explain=params.explain) for h in result["hits"]["hits"]],
            total_providers=int(result["hits"]["total"]["value"]),
            ranking=queries.RANKING_RULE,
        )

    async def _notice(self, chosen: list[str], location: ResolvedLocation, asked: float, used: float,
                      result: dict[str, Any], timings: Timings) -> str | None:
        name = self.procedure_names.get(chosen[0], chosen[0])
        hits = result["hits"]["hits"]
        if not hits:
            nearest = await self.nearest_km(chosen, location, timings)
            where = f"; the nearest is {nearest:.0f} km away" if nearest is not None else ""
            return f"No {name} providers within {used:.0f} km of {location.label}{where}."
        if used > asked:
            nearest_km = min(float(h["sort"][1]) for h in hits)
            return (f"No {name} providers within {asked:.0f} km; widened the search to {used:.0f} km "
                    f"(nearest performer {nearest_km:.0f} km away).")
        return None

    def _interpreted(self, p: ProcedureScore, *, explain: bool) -> InterpretedProcedure:
        explanation = None
        if explain:
            explanation = [
                PieceMatch(signal=e.signal, rank=e.rank, score=e.score, kind=e.piece.kind,  # type: ignore[arg-type]
                           text=e.piece.text, section=e.piece.section)
                for e in p.evidence
            ]
        return InterpretedProcedure(slug=p.slug, name=p.name, score=round(p.score, 5), conditions=p.conditions,
                                    explanation=explanation)

    def _provider(self, hit: dict[str, Any], chosen: list[str], radius: float, *, explain: bool) -> ProviderResult:
        src = hit["_source"]
        distance = round(float(hit["sort"][1]), 2)
        matched = [s for s in src["procedures"] if s in chosen]
        explanation = None
        if explain:
            scale = max(radius / 2, 0.5)
            decay = 0.6 * math.exp(math.log(0.5) * (distance / scale) ** 2)
            rating = 0.06 * (src.get("rating") if src.get("rating") is not None else 3.0)
            reviews = 0.033 * math.log10(1 + src.get("review_count", 0))
            explanation = ProviderExplanation(distance_decay=round(decay, 4), rating_component=round(rating, 4),
                                              reviews_component=round(reviews, 4), total=round(hit["_score"], 4))
        names = ", ".join(self.procedure_names.get(s, s) for s in matched)
        return ProviderResult(
            id=src["id"], name=src["name"], credentials=src["credentials"], specialties=src["specialties"],
            procedures=matched,
            clinic=ClinicOut(name=src["clinic"]["name"], address=src["clinic"]["address"],
                             location=Coordinates(**src["clinic"]["location"])),
            distance_km=distance, accepting_new_patients=src["accepting_new_patients"],
            telehealth=src["telehealth"], languages=src["languages"], rating=src.get("rating"),
            review_count=src.get("review_count", 0), fictional=src["fictional"], score=round(hit["_score"], 4),
            why=f"Performs {names}; {distance:.1f} km away"
                + (f"; rated {src['rating']:.1f} ({src['review_count']} reviews)" if src.get("rating") else ""),
            explanation=explanation,
        )
