"""The search use case: location → red flags → interpretation → providers within reach (widening honestly)."""

from __future__ import annotations

import asyncio
import functools
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from elasticsearch import AsyncElasticsearch, NotFoundError

from api import queries
from api.cursor import Cursor, binding_for
from api.errors import ApiProblem, bad_parameter
from api.intent import Intent, ParsedQuery, Vocabulary, parse_query
from api.interpretation import PieceHit, ProcedureScore, Strategy, condition_scores, fuse
from api.model_process import ModelProcess
from api.queries import ProviderFilters, SortOrder
from api.query_vectors import Encoder, ModelThread, QueryVectors
from api.schemas import (
    BestOfResponse,
    ClinicOut,
    ConditionOut,
    Coordinates,
    Facets,
    IntentOut,
    Interpretation,
    InterpretedProcedure,
    PieceMatch,
    PlaceOption,
    ProviderExplanation,
    ProviderListing,
    ProviderResult,
    ResolvedLocation,
    SearchResponse,
    Subject,
    Urgent,
)
from api.suggest import Suggester
from api.triage import match_red_flags, match_symptom_patterns
from caremap.corpus.load import Corpus
from caremap.embedding import Embedder, Vector
from caremap.es_client import async_client
from caremap.places import Gazetteer, PlaceMatch
from caremap.settings import Settings

WIDEN_FACTOR = 2.0
MAX_WIDEN_KM = 200.0
NEAREST_FALLBACK = 3  # beyond MAX_WIDEN_KM, show this many nearest performers rather than nothing
EMERGENCY_NOTICE = "These symptoms need emergency care now; clinics for planned care are not listed."
MAX_QUERY_CHARS = 300
EMBEDDING_STRATEGIES = ("semantic", "hybrid")  # the strategies that need the query's vector


@dataclass(frozen=True)
class Target:
    """Which providers a search lists: hard filters on procedures performed and specialties."""

    procedures: list[str]
    label: str
    specialties: list[str] = field(default_factory=list)


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
    filters: ProviderFilters = field(default_factory=ProviderFilters)
    sort: SortOrder = "relevance"
    cursor: str | None = None

    def binding(self) -> str:
        """What a page cursor is bound to: everything but the cursor and the presentation flags."""
        return binding_for({k: v for k, v in asdict(self).items() if k not in {"cursor", "explain"}})


Listed = tuple[ProviderListing, Facets | None]  # a listing as responses show it, and its page's facet counts


@dataclass
class ProviderPage:
    radius_km: float
    hits: list[dict[str, Any]]
    total: int
    facets: dict[str, Any] | None = None
    next_cursor: str | None = None
    nearest_fallback: bool = False


@dataclass
class Timings:
    """Where a request's time went, reported in the Server-Timing header (milliseconds).

    ``embed_ms`` is the embedding's latency: from handing the text to the model (before routing, see
    ``start_early``; or by an identical request already in flight) until its vector is back
    (at one client the vector is the long pole, and what the request does meanwhile is not on its critical
    path); ``embed_wait_ms`` is the part of it the request spent doing nothing else."""

    embed_ms: float = 0.0
    embed_wait_ms: float = 0.0
    es_ms: float = 0.0  # wall time of Elasticsearch calls, as the client saw them
    es_took_ms: float = 0.0  # what Elasticsearch itself reported (``took``) along the request's critical path
    cache_hit: bool = False
    prefetch: str | None = None  # "hit" or "miss": providers fetched on a guess, before the fused ranking

    def header(self, total_ms: float) -> str:
        extras = (", embed-cache;desc=hit" if self.cache_hit else "") + (
            f", prefetch;desc={self.prefetch}" if self.prefetch else "")
        return (f"embed;dur={self.embed_ms:.2f}, embed-wait;dur={self.embed_wait_ms:.2f}, es;dur={self.es_ms:.2f}, "
                f"es-took;dur={self.es_took_ms:.2f}, total;dur={total_ms:.2f}" + extras)


class EarlyProviders:
    """A provider listing (page, notice and the providers as the response shows them) made before the
    search's target is final, so that nobody waits for it afterwards: for a target the query names (it does
    not depend on the interpretation), or for the procedure that the first piece ranking to come back puts
    first (the lexical one while a new query is embedded; usually the kNN for a cached vector). The listing
    is used only for the very target it was made for, and the request is charged only the time it waited."""

    def __init__(self, make: Callable[[Target, Timings], Awaitable[Listed]]) -> None:
        self._make = make
        self._background = Timings()
        self._target: Target | None = None
        self._listing: asyncio.Future[Listed] | None = None
        self._guessed = False

    def start(self, target: Target, *, guessed: bool = False) -> None:
        self._target, self._guessed = target, guessed
        self._listing = asyncio.ensure_future(self._make(target, self._background))

    def outcome(self, target: Target) -> str | None:
        """For a guess: "hit" when the final target is the one guessed, else "miss"."""
        if not self._guessed or self._listing is None:
            return None
        return "hit" if target == self._target else "miss"

    async def listed_for(self, target: Target, timings: Timings) -> Listed:
        if self._listing is None or target != self._target:
            self.drop()
            return await self._make(target, timings)
        started, pending = time.perf_counter(), not self._listing.done()
        listing = await self._listing
        waited = (time.perf_counter() - started) * 1000
        timings.es_ms += waited
        timings.es_took_ms += min(waited, self._background.es_took_ms) if pending else 0.0
        return listing

    def drop(self) -> None:
        if self._listing is not None:
            _settle(self._listing)
            self._listing = None


def _option(place: PlaceMatch) -> PlaceOption:
    return PlaceOption(id=place.id, label=place.label, lat=place.lat, lon=place.lon)


class SearchService:
    def __init__(self, *, es: AsyncElasticsearch, vectors: QueryVectors, gazetteer: Gazetteer, corpus: Corpus,
                 settings: Settings) -> None:
        self.es, self.gazetteer, self.corpus, self.settings = es, gazetteer, corpus, settings
        self.vectors = vectors
        self.procedure_names = {a.slug: a.name for a in corpus.articles}
        self.condition_links = {c.slug: c.procedures for c in corpus.conditions}
        self.conditions = {c.slug: c for c in corpus.conditions}
        self.vocabulary = Vocabulary(corpus)
        self.suggester = Suggester(corpus, gazetteer)  # typeahead keys, built once

    @classmethod
    def from_settings(cls, settings: Settings) -> SearchService:
        """Build the service and its heavy resources (model, client, gazetteer); close it with ``close``."""
        corpus = Corpus.load(settings.corpus_dir)
        precision = settings.query_model_precision
        encoder: Encoder = (ModelProcess(settings.model, batch_size=settings.embed_batch_size,
                                         threads=settings.query_model_threads, precision=precision)
                            if settings.query_model_process
                            else ModelThread(Embedder(settings.model, batch_size=settings.embed_batch_size,
                                                      precision=precision)))
        return cls(es=async_client(settings), vectors=QueryVectors(encoder),
                   gazetteer=Gazetteer.load(corpus.places), corpus=corpus, settings=settings)

    async def close(self) -> None:
        self.vectors.close()
        await self.es.close()

    def _start(self, index: str, body: dict[str, Any], filter_path: list[str]) -> asyncio.Task[Any]:
        """Send a search now; collect it with ``_wait`` (other work can run in between)."""
        return asyncio.ensure_future(self.es.search(index=index, filter_path=filter_path, **body))

    @staticmethod
    async def _wait(timings: Timings, *searches: asyncio.Future[Any]) -> list[dict[str, Any]]:
        """The searches' results. The request is charged the time it actually waited, and the ``took`` of
        the searches still running when it began to wait (what finished under other work cost no time)."""
        started = time.perf_counter()
        pending = [s for s in searches if not s.done()]
        try:
            results = await asyncio.gather(*searches)
        finally:
            timings.es_ms += (time.perf_counter() - started) * 1000
        timings.es_took_ms += max((float(s.result().get("took", 0)) for s in pending), default=0.0)
        return [dict(r) for r in results]

    async def _search(self, timings: Timings, index: str, body: dict[str, Any],
                      filter_path: list[str] = queries.PROVIDER_RESPONSE) -> dict[str, Any]:
        return (await self._wait(timings, self._start(index, body, filter_path)))[0]

    # -- location ----------------------------------------------------------------------------------
    def resolve_location(self, params: SearchParams, parsed: ParsedQuery | None = None) -> ResolvedLocation:
        if (params.lat is None) != (params.lon is None):
            missing = "lon" if params.lon is None else "lat"
            raise bad_parameter(missing, None, "lat and lon must be given together")
        if params.lat is not None and params.lon is not None:
            place = self.gazetteer.reverse(params.lat, params.lon)
            label = place.label if place else f"{params.lat:.3f}, {params.lon:.3f}"
            return ResolvedLocation(lat=params.lat, lon=params.lon, label=label, source="coordinates")
        near = params.near if params.near and params.near.strip() else (parsed.place if parsed else None)
        if not near:
            rule = ("'near me' needs coordinates: pass lat and lon (e.g. from the browser), or near=<place>"
                    if parsed and parsed.near_me else "give a place name or ZIP in near, or lat and lon")
            raise bad_parameter("near", params.near, rule)
        resolution = self.gazetteer.resolve(near)
        best = resolution.best
        if best is None and resolution.alternatives:
            options = [p.label for p in resolution.alternatives[:5]]
            raise bad_parameter("near", near, f"ambiguous or misspelled place; did you mean one of {options}?",
                                alternatives=[_option(p).model_dump() for p in resolution.alternatives[:5]])
        if best is None:
            raise bad_parameter("near", near,
                                "unknown place; use a city ('Boston'), 'City, ST' ('Springfield, IL') or a 5-digit ZIP")
        return ResolvedLocation(
            lat=best.lat, lon=best.lon, label=best.label, source="place", ambiguous=resolution.ambiguous,
            alternatives=[_option(p) for p in resolution.alternatives if p.id != best.id][:5],
        )

    # -- interpretation ----------------------------------------------------------------------------
    def start_early(self, q: str | None, strategy: str | None) -> None:
        """Hand a search's text to the model before its request is routed and validated (``api.early_embedding``),
        so that ~0.5 ms of framework work overlaps the model. It embeds exactly what ``search`` will ask for;
        a request that then fails validation leaves one cached vector behind, nothing else."""
        if q and len(q) <= MAX_QUERY_CHARS and (strategy or "hybrid") in EMBEDDING_STRATEGIES:
            self.vectors.request(parse_query(q, self.gazetteer).text)

    def start_embedding(self, text: str, strategy: Strategy, timings: Timings) -> asyncio.Future[Vector] | None:
        """The model starts on ``text`` now, in its own process (or the vector comes from the cache, or it is
        already on its way since ``start_early``); collect it with ``signals``."""
        if strategy not in EMBEDDING_STRATEGIES:
            return None
        vector = self.vectors.request(text)
        timings.cache_hit = vector.done()
        if not vector.done():
            started = self.vectors.asked_at(text) or time.perf_counter()

            def arrived(_: asyncio.Future[Vector]) -> None:
                timings.embed_ms = (time.perf_counter() - started) * 1000

            vector.add_done_callback(arrived)
        return vector

    async def signals(self, q: str, strategy: Strategy, timings: Timings, *,
                      embedding: asyncio.Future[Vector] | None, with_text: bool = False,
                      on_first: Callable[[str, list[PieceHit]], None] | None = None) -> dict[str, list[PieceHit]]:
        """The lexical and semantic piece rankings. The lexical search is sent first; the kNN search as soon
        as the query vector (``embedding``, started earlier) is there. The first of the two rankings to come
        back while the other is still on its way goes to ``on_first`` (to start work that would otherwise wait
        for the fusion): with a new query that is the lexical one, back long before the vector; with a cached
        vector, usually the kNN."""
        alias = self.settings.alias("procedures")
        searches: dict[str, asyncio.Task[Any]] = {}
        hits: dict[str, list[PieceHit]] = {}

        def arrived(name: str, search: asyncio.Task[Any]) -> None:
            other_pending = len(searches) < 2 or any(not s.done() for s in searches.values() if s is not search)
            if on_first is None or hits or not other_pending or search.cancelled() or search.exception():
                return
            hits[name] = self._piece_hits(search.result())
            on_first(name, hits[name])

        def start(name: str, body: dict[str, Any]) -> None:
            searches[name] = self._start(alias, body, queries.PIECE_RESPONSE)
            if on_first is not None and strategy == "hybrid":
                searches[name].add_done_callback(functools.partial(arrived, name))

        try:
            if strategy in ("lexical", "hybrid"):
                start("lexical", queries.lexical_pieces(q, corrected=self.vocabulary.correct(q), with_text=with_text))
            if embedding is not None:
                started = time.perf_counter()
                vector = await asyncio.shield(embedding)  # shared with other requests for the same text
                timings.embed_wait_ms += (time.perf_counter() - started) * 1000
                start("semantic", queries.semantic_pieces(vector, with_text=with_text))
            results = await self._wait(timings, *searches.values())
        finally:
            _settle(*searches.values())
        return {name: hits[name] if name in hits else self._piece_hits(result)
                for name, result in zip(searches, results, strict=True)}

    @staticmethod
    def _piece_hits(result: dict[str, Any]) -> list[PieceHit]:
        return [PieceHit.from_hit(h) for h in queries.hits_of(result)]

    def interpret(self, signals: dict[str, list[PieceHit]], intent: Intent,
                  pattern_conditions: list[str]) -> list[ProcedureScore]:
        """Fused ranking; an exact procedure or condition name puts what it names first."""
        ranked = fuse(signals, links=self.condition_links, pattern_conditions=pattern_conditions,
                      procedure_names=self.procedure_names)
        preferred: list[str] = []
        if intent.type == "procedure" and intent.slug:
            preferred = [intent.slug]
        elif intent.type == "condition" and intent.slug:
            preferred = list(self.condition_links[intent.slug])
        if not preferred:
            return ranked
        by_slug = {p.slug: p for p in ranked}
        top = ranked[0].score if ranked else 1.0
        head = [by_slug.get(s) or ProcedureScore(slug=s, name=self.procedure_names[s], score=0.0) for s in preferred]
        for n, entry in enumerate(head):  # keep scores monotone with the new order
            entry.score = max(entry.score, top + (len(head) - n) * 1e-3)
        return [*head, *(p for p in ranked if p.slug not in preferred)][: max(len(ranked), len(head))]

    def target(self, params: SearchParams, intent: Intent, ranked: list[ProcedureScore]) -> Target | None:
        """Whom to list: performers of the asked/top procedure; for a condition, performers of any of its
        procedures who have a specialty that manages it; for a specialty, that specialty."""
        known = self.named_target(params, intent)
        if known is None and ranked:
            return Target(procedures=[ranked[0].slug], label=ranked[0].name)
        return known

    def named_target(self, params: SearchParams, intent: Intent) -> Target | None:
        """The target when the caller or the query names it (a procedure, condition or specialty): it does not
        depend on the interpretation, so its providers can be fetched while the query is being embedded."""
        if params.procedure:
            return Target(procedures=[params.procedure], label=self.procedure_names[params.procedure])
        if intent.type == "procedure" and intent.slug:
            return Target(procedures=[intent.slug], label=self.procedure_names[intent.slug])
        if intent.type == "specialty" and intent.slug:
            return Target(procedures=[], specialties=[intent.slug], label=intent.slug)
        if intent.type == "condition" and intent.slug:
            condition = self.conditions[intent.slug]
            return Target(procedures=list(condition.procedures), specialties=list(condition.specialties),
                          label=condition.name)
        return None

    # -- providers ---------------------------------------------------------------------------------
    async def providers(self, target: Target, location: ResolvedLocation, params: SearchParams,
                        timings: Timings, *, pageable: bool = True) -> ProviderPage:
        """One page of providers. The first page searches the asked radius and, when nobody is there, widens
        it step by step up to MAX_WIDEN_KM, then falls back to the nearest performers at any distance.
        Later pages continue after the last hit's sort values in the very index (build) that served page one:
        builds are immutable and sorts end with the unique id, so no provider repeats or is skipped."""
        if params.cursor:
            return await self._next_page(target, location, params, timings)
        alias = self.settings.alias("providers")
        radius = params.radius_km
        while True:
            result = await self._search(timings, alias, self._providers_body(target, location, params, radius,
                                                                            facets=True))
            if queries.hits_of(result) or radius >= MAX_WIDEN_KM:
                break
            radius = min(radius * WIDEN_FACTOR, MAX_WIDEN_KM)
        fallback = False
        if not queries.hits_of(result):
            nearest = await self.nearest_km(target, location, timings, rank=NEAREST_FALLBACK)
            if nearest is not None and nearest > radius:
                radius, fallback = math.ceil(nearest), True
                result = await self._search(timings, alias, self._providers_body(target, location, params, radius,
                                                                                facets=True))
        hits = queries.hits_of(result)
        page = ProviderPage(radius_km=radius, hits=hits, total=int(result["hits"]["total"]["value"]),
                            facets=_facets(result.get("aggregations")), nearest_fallback=fallback)
        if pageable and page.total > len(hits) and hits:
            page.next_cursor = Cursor(index=hits[-1]["_index"], after=hits[-1]["sort"], radius_km=radius,
                                      binding=params.binding()).encode()
        return page

    async def _next_page(self, target: Target, location: ResolvedLocation, params: SearchParams,
                         timings: Timings) -> ProviderPage:
        assert params.cursor is not None
        cursor = Cursor.decode(params.cursor, binding=params.binding(), index_of=self.settings.alias("providers"))
        body = self._providers_body(target, location, params, cursor.radius_km, facets=False)
        body["search_after"] = cursor.after
        try:
            result = await self._search(timings, cursor.index, body)
        except NotFoundError as e:  # the build page one came from has since been replaced twice and deleted
            raise bad_parameter("cursor", params.cursor[:40], "expired; run the search again from page one") from e
        hits = queries.hits_of(result)
        total = int(result["hits"]["total"]["value"])
        page = ProviderPage(radius_km=cursor.radius_km, hits=hits, total=total)
        if hits and len(hits) == params.size:
            page.next_cursor = Cursor(index=cursor.index, after=hits[-1]["sort"], radius_km=cursor.radius_km,
                                      binding=cursor.binding).encode()
        return page

    def _providers_body(self, target: Target, location: ResolvedLocation, params: SearchParams, radius: float,
                        *, facets: bool) -> dict[str, Any]:
        return queries.providers_near(
            procedures=target.procedures, specialties=target.specialties, filters=params.filters,
            order=params.sort, lat=location.lat, lon=location.lon, radius_km=radius, size=params.size,
            facets=facets,
        )

    async def nearest_km(self, target: Target, location: ResolvedLocation, timings: Timings, *,
                         rank: int = 1) -> float | None:
        """Distance to the rank-th nearest matching provider (or the farthest there is), at any distance."""
        body = queries.nearest_performers(procedures=target.procedures, specialties=target.specialties,
                                          lat=location.lat, lon=location.lon, size=rank)
        result = await self._search(timings, self.settings.alias("providers"), body,
                                    filter_path=["took", "hits.hits.sort"])
        hits = queries.hits_of(result)
        return float(hits[-1]["sort"][0]) if hits else None

    # -- the whole search --------------------------------------------------------------------------
    async def search(self, params: SearchParams, timings: Timings | None = None) -> SearchResponse:
        timings = timings or Timings()
        parsed = parse_query(params.q, self.gazetteer)
        location = self.resolve_location(params, parsed)
        if params.procedure is not None and params.procedure not in self.procedure_names:
            raise bad_parameter("procedure", params.procedure, "a procedure slug from /v1/procedures")
        # The model works in its own process while this one reads the query and asks Elasticsearch.
        embedding = self.start_embedding(parsed.text, params.strategy, timings)
        urgent = match_red_flags(params.q, self.corpus.red_flags)
        intent = self.vocabulary.detect(parsed.text)
        # Emergency care now, not a clinic list (an explicit procedure= still lists providers).
        emergency = urgent is not None and urgent.level == "emergency" and not params.procedure
        named = None if emergency else self.named_target(params, intent)
        early = EarlyProviders(lambda target, spent: self.listed(target, location, params, spent))
        if named is not None:
            early.start(named)
        pattern_conditions = [c for p in match_symptom_patterns(parsed.text, self.corpus.symptom_patterns)
                              for c in p.conditions]

        def guess(signal: str, ranking: list[PieceHit]) -> None:
            """The fused ranking keeps the first procedure of the ranking that arrives first on most queries
            (the lexical one: 86% of the dev set): fetch its providers while the other is on its way."""
            guessed = self.target(params, intent, self.interpret({signal: ranking}, intent, pattern_conditions))
            if guessed is not None:
                early.start(guessed, guessed=True)

        try:
            signals = await self.signals(parsed.text, params.strategy, timings, embedding=embedding,
                                         with_text=params.explain,
                                         on_first=guess if named is None and not emergency else None)
            ranked = self.interpret(signals, intent, pattern_conditions)
            target = self.target(params, intent, ranked)
            if target is not None and not emergency:
                timings.prefetch = early.outcome(target)
                listing, facets = await early.listed_for(target, timings)
            else:
                notice = EMERGENCY_NOTICE if emergency else None
                listing, facets = self.listing(ProviderPage(radius_km=params.radius_km, hits=[], total=0), location,
                                               params, notice=notice, chosen=set()), None
        finally:
            early.drop()
        return SearchResponse(
            **dict(listing),
            query=params.q,
            intent=IntentOut(type=intent.type, slug=intent.slug, matched=intent.matched),
            urgent=Urgent(level=urgent.level, advice=urgent.advice, red_flag=urgent.id) if urgent else None,  # type: ignore[arg-type]
            interpretation=Interpretation(
                strategy=params.strategy,
                text=parsed.text,
                procedures=[self._interpreted(p, explain=params.explain) for p in ranked],
                conditions=[ConditionOut(slug=c, name=self.conditions[c].name, score=round(score, 5))
                            for c, score in sorted(condition_scores(signals, pattern_conditions).items(),
                                                   key=lambda kv: -kv[1])[:5]
                            if c in self.conditions],
            ),
            facets=facets,
            sort=params.sort,
        )

    def listing(self, page: ProviderPage, location: ResolvedLocation, params: SearchParams, *,
                notice: str | None, chosen: set[str], explain: bool = False) -> ProviderListing:
        """The fields every provider-listing response shares, from one page of hits."""
        distance_at = queries.distance_sort_index(params.sort)
        return ProviderListing(
            location=location, radius_km=page.radius_km, requested_radius_km=params.radius_km,
            widened=page.radius_km > params.radius_km, notice=notice,
            providers=[self._provider(h, chosen, page.radius_km, distance_at=distance_at, explain=explain)
                       for h in page.hits],
            total_providers=page.total, next_cursor=page.next_cursor, ranking=queries.RANKING_RULE,
        )

    async def list_providers(self, target: Target, location: ResolvedLocation, params: SearchParams,
                             timings: Timings, *, pageable: bool = True) -> ProviderListing:
        """Providers for a target near a location, with the honest notice on the first page."""
        return (await self.listed(target, location, params, timings, pageable=pageable))[0]

    async def listed(self, target: Target, location: ResolvedLocation, params: SearchParams, timings: Timings,
                     *, pageable: bool = True) -> Listed:
        """``list_providers`` and the page's facet counts (which only searches return)."""
        page = await self.providers(target, location, params, timings, pageable=pageable)
        notice = None if params.cursor else await self.notice(target, location, params, page, timings)
        listing = self.listing(page, location, params, notice=notice, chosen=set(target.procedures),
                               explain=params.explain)
        return listing, Facets.model_validate(page.facets) if page.facets else None

    async def best_of(self, *, procedure: str | None, condition: str | None, params: SearchParams,
                      timings: Timings | None = None) -> BestOfResponse:
        """A procedure's or condition's summary plus its ranked providers near the place, never empty when
        anyone anywhere performs it (the page then says how far the nearest ones are)."""
        timings = timings or Timings()
        if (procedure is None) == (condition is None):
            raise bad_parameter("procedure", procedure, "give exactly one of procedure= or condition=")
        location = self.resolve_location(params)
        if procedure is not None:
            if procedure not in self.procedure_names:
                raise ApiProblem(404, "Unknown procedure", f"procedure={procedure!r} is not in the catalogue")
            article = self.corpus.article(procedure)
            subject = Subject(type="procedure", slug=procedure, name=article.name,
                              summary=_first_sentences(article.sections["What it is"]))
            target = Target(procedures=[procedure], label=article.name)
            title = f"Best Doctor List Near You for {article.name} in {location.label}"
        else:
            assert condition is not None
            if condition not in self.conditions:
                raise ApiProblem(404, "Unknown condition", f"condition={condition!r} is not in the corpus")
            found = self.conditions[condition]
            subject = Subject(type="condition", slug=condition, name=found.name, summary=found.summary)
            target = Target(procedures=list(found.procedures), specialties=list(found.specialties), label=found.name)
            title = f"Best {found.name} Doctors Near {location.label}"
        # A best-of page has no "more" link, so it carries no cursor.
        listing = await self.list_providers(target, location, params, timings, pageable=False)
        return BestOfResponse(**dict(listing), title=title, subject=subject)

    async def notice(self, target: Target, location: ResolvedLocation, params: SearchParams, page: ProviderPage,
                      timings: Timings) -> str | None:
        asked, used = params.radius_km, page.radius_km
        if not page.hits:
            nearest = await self.nearest_km(target, location, timings)
            where = f"; the nearest is {nearest:.0f} km away" if nearest is not None else ""
            return f"No {target.label} providers within {used:.0f} km of {location.label}{where}."
        if used > asked:
            nearest_km = min(_distance(h, queries.distance_sort_index(params.sort)) for h in page.hits)
            how = ("showing the nearest ones" if page.nearest_fallback
                   else f"widened the search to {used:.0f} km")
            return (f"No {target.label} providers within {asked:.0f} km; {how} "
                    f"(nearest {nearest_km:.0f} km away).")
        return None

    def _interpreted(self, p: ProcedureScore, *, explain: bool) -> InterpretedProcedure:
        explanation = None
        if explain:
            explanation = [
                PieceMatch(signal=e.signal, rank=e.rank, score=e.score, kind=e.piece.kind,  # type: ignore[arg-type]
                           text=e.piece.text or "", section=e.piece.section)
                for e in p.evidence
            ]
        return InterpretedProcedure(slug=p.slug, name=p.name, score=round(p.score, 5), conditions=p.conditions,
                                    explanation=explanation)

    def _provider(self, hit: dict[str, Any], chosen: set[str], radius: float, *, distance_at: int,
                  explain: bool) -> ProviderResult:
        src = hit["_source"]
        distance = round(_distance(hit, distance_at), 2)
        matched = [s for s in src["procedures"] if s in chosen]
        explanation = None
        if explain:
            scale = max(radius / 2, 0.5)
            decay = 0.6 * math.exp(math.log(0.5) * (distance / scale) ** 2)
            rating = 0.06 * (src.get("rating") if src.get("rating") is not None else 3.0)
            reviews = 0.033 * math.log10(1 + src.get("review_count", 0))
            explanation = ProviderExplanation(distance_decay=round(decay, 4), rating_component=round(rating, 4),
                                              reviews_component=round(reviews, 4),
                                              total=round(decay + rating + reviews, 4))
        names = ", ".join(self.procedure_names.get(s, s) for s in matched) or ", ".join(src["specialties"])
        return ProviderResult(
            id=src["id"], name=src["name"], credentials=src["credentials"], specialties=src["specialties"],
            procedures=matched,
            clinic=ClinicOut(name=src["clinic"]["name"], address=src["clinic"]["address"],
                             location=Coordinates(**src["clinic"]["location"])),
            distance_km=distance, accepting_new_patients=src["accepting_new_patients"],
            telehealth=src["telehealth"], languages=src["languages"], rating=src.get("rating"),
            review_count=src.get("review_count", 0), fictional=src["fictional"],
            score=round(hit["_score"], 4) if hit.get("_score") is not None else None,
            why=f"{'Performs ' if matched else ''}{names}; {distance:.1f} km away"
                + (f"; rated {src['rating']:.1f} ({src['review_count']} reviews)" if src.get("rating") else ""),
            explanation=explanation,
        )


def _settle(*futures: asyncio.Future[Any]) -> None:
    """Cancel what a failed request no longer needs, and mark failures seen (no "never retrieved" noise)."""
    for future in futures:
        if not future.done():
            future.cancel()
        elif not future.cancelled():
            future.exception()


def _first_sentences(text: str, count: int = 2) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return " ".join(sentences[:count])


def _distance(hit: dict[str, Any], index: int) -> float:
    return float(hit["sort"][index])


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
