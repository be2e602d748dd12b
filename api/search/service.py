"""The search use case, top to bottom: parse → locate → interpret → triage → judge confidence → choose target →
list providers → present. Each step lives in a module of its own in this package; this one only puts them in
order. (Triage reads the query vector, which the interpretation computes together with the lexical search.)"""

from __future__ import annotations

from api.catalogue import Catalogue
from api.elastic import Elastic
from api.errors import ApiProblem, bad_parameter
from api.query_vectors import QueryVectors
from api.safety.training import Safety
from api.schemas import (
    BestOfResponse,
    Facets,
    IntentOut,
    Interpretation,
    ProviderListing,
    ResolvedLocation,
    SearchResponse,
    Subject,
    Urgent,
)
from api.search import infant_fever, notices, present
from api.search.confidence import Confidence, judge
from api.search.fusion import ProcedureScore
from api.search.interpret import Interpreter
from api.search.locate import locate
from api.search.params import SearchParams, Where
from api.search.parse import Intent, parse_query
from api.search.providers import ProviderFinder, ProviderPage
from api.search.target import PRIMARY_CARE, Target, choose_target, condition_target, procedure_target
from api.search.triage import UrgentMatch, match_symptom_patterns, triage
from caremap.embedding import Vector
from caremap.places import Gazetteer


class SearchService:
    def __init__(self, *, es: Elastic, vectors: QueryVectors, gazetteer: Gazetteer, catalogue: Catalogue,
                 safety: Safety | None) -> None:
        self._gazetteer, self._catalogue, self._safety = gazetteer, catalogue, safety
        self._infant_fever = catalogue.presentations.get(infant_fever.PRESENTATION)
        self._interpreter = Interpreter(es=es, vectors=vectors, catalogue=catalogue)
        self._finder = ProviderFinder(es)

    async def search(self, params: SearchParams) -> SearchResponse:
        corpus = self._catalogue.corpus
        parsed = parse_query(params.q, self._gazetteer)
        location = locate(params.where, self._gazetteer, parsed)
        if params.procedure is not None and not self._catalogue.knows_procedure(params.procedure):
            raise bad_parameter("procedure", params.procedure, "a procedure slug from /v1/procedures")
        intent = self._catalogue.vocabulary.detect(parsed.text)
        patterns = [c for p in match_symptom_patterns(parsed.text, corpus.symptom_patterns) for c in p.conditions]
        reading = await self._interpreter.read(parsed.text, intent, strategy=params.strategy,
                                               pattern_conditions=patterns, explain=params.explain)
        safety = self._safety
        urgent = triage(params.q, reading.vector, flags=corpus.red_flags, detector=safety.detector if safety else None,
                        infant_fever=self._infant_fever)
        confidence = judge(parsed.text, intent, reading.procedures, reading.vector, safety.scope if safety else None,
                           mentioned=self._catalogue.vocabulary.procedures_mentioned(parsed.text))
        procedures = reading.procedures if confidence.level != "none" else []
        # Emergency care now, not a clinic list (an explicit procedure= still lists providers).
        emergency = urgent is not None and urgent.level == "emergency" and not params.procedure
        target, notice = self._target(intent, procedures, confidence, params, emergency=emergency)
        listed, facets = await self.list_providers(target, location, params, notice=notice, vector=reading.vector)
        if confidence.level == "low" and not emergency:
            listed.notice = " ".join(filter(None, [notices.POSSIBLE, listed.notice]))
        return SearchResponse(
            **dict(listed),
            query=params.q,
            intent=IntentOut(type=intent.type, slug=intent.slug, matched=intent.matched),
            urgent=_urgent(urgent) if urgent else None,
            interpretation=Interpretation(
                strategy=params.strategy, text=parsed.text, confidence=confidence.level, scope=confidence.scope,
                procedures=[present.procedure(p, explain=params.explain) for p in procedures],
                conditions=present.conditions(reading.conditions, self._catalogue) if procedures else [],
            ),
            facets=facets,
            sort=params.sort,
        )

    def _target(self, intent: Intent, procedures: list[ProcedureScore], confidence: Confidence,
                params: SearchParams, *, emergency: bool) -> tuple[Target | None, str | None]:
        """Whose providers to list, and the notice when it is nobody's: an emergency lists no clinics; when
        nothing we cover fits, a primary-care need lists primary-care clinicians and anything else nobody."""
        if emergency:
            return None, notices.EMERGENCY
        if confidence.level == "none" and not params.procedure:
            if confidence.scope == "primary_care":
                return PRIMARY_CARE, notices.PRIMARY_CARE_LISTED
            return None, notices.NO_MATCH
        return choose_target(intent, procedures, self._catalogue, procedure=params.procedure), None

    async def list_providers(self, target: Target | None, location: ResolvedLocation, params: SearchParams, *,
                             notice: str | None = None, vector: Vector | None = None,
                             pageable: bool = True) -> tuple[ProviderListing, Facets | None]:
        """A page of the target's providers near the location (ranked with the query ``vector`` when there is
        one), with its honest notice and facet counts; no target (an emergency, or nothing fits): an empty
        listing with ``notice``."""
        if target is None:
            empty = ProviderPage(radius_km=params.where.radius_km, hits=[], total=0)
            return present.listing(empty, None, location, params, self._catalogue, notice=notice), None
        page = await self._finder.page(target, location, params, vector=vector, pageable=pageable)
        return present.listing(page, target, location, params, self._catalogue, notice=notice), present.facets(page)

    async def best_of(self, *, procedure: str | None, condition: str | None, where: Where) -> BestOfResponse:
        """A procedure's or condition's summary plus its ranked providers near the place, never empty when
        anyone anywhere performs it (the page then says how far the nearest ones are)."""
        if (procedure is None) == (condition is None):
            raise bad_parameter("procedure", procedure, "give exactly one of procedure= or condition=")
        location = locate(where, self._gazetteer)
        subject, target = self._subject(procedure=procedure, condition=condition)
        title = (f"Best Doctor List Near You for {subject.name} in {location.label}" if procedure
                 else f"Best {subject.name} Doctors Near {location.label}")
        # A best-of page has no "more" link, so it carries no cursor.
        listed, _ = await self.list_providers(target, location, SearchParams(q=subject.slug, where=where),
                                              pageable=False)
        return BestOfResponse(**dict(listed), title=title, subject=subject)

    def _subject(self, *, procedure: str | None, condition: str | None) -> tuple[Subject, Target]:
        catalogue = self._catalogue
        if procedure is not None:
            article = catalogue.article(procedure)
            if article is None:
                raise ApiProblem(404, "Unknown procedure", f"procedure={procedure!r} is not in the catalogue")
            summary = present.first_sentences(article.sections["What it is"])
            return (Subject(type="procedure", slug=procedure, name=article.name, summary=summary),
                    procedure_target(procedure, catalogue))
        assert condition is not None
        found = catalogue.conditions.get(condition)
        if found is None:
            raise ApiProblem(404, "Unknown condition", f"condition={condition!r} is not in the corpus")
        return (Subject(type="condition", slug=condition, name=found.name, summary=found.summary),
                condition_target(condition, catalogue))


def _urgent(found: UrgentMatch) -> Urgent:
    return Urgent(level=found.level, category=found.group, name=found.name, advice=found.advice,
                  help=[notices.HELP_LINES[r] for r in found.resources], red_flag=found.id, source=found.source,
                  probability=found.probability)
