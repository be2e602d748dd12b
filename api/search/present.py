"""Present: Elasticsearch hits and interpretation scores → the public response models, with notices."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from api import queries
from api.catalogue import Catalogue
from api.provider_wording import provider_wording
from api.schemas import (
    ClaimOut,
    ClinicOut,
    ConditionOut,
    Coordinates,
    Facets,
    InterpretedProcedure,
    PieceMatch,
    ProviderExplanation,
    ProviderListing,
    ProviderResult,
    ResolvedLocation,
)
from api.search import notices, ranking
from api.search.fusion import ProcedureScore
from api.search.params import SearchParams
from api.search.providers import ProviderPage
from api.search.target import Target

CONDITIONS_SHOWN = 5


def listing(page: ProviderPage, target: Target | None, location: ResolvedLocation, params: SearchParams,
            catalogue: Catalogue, *, notice: str | None = None) -> ProviderListing:
    """The fields every provider-listing response shares, from one page of hits (``target`` None: no list)."""
    chosen = set(target.procedures) if target else set()
    distance_at = queries.distance_sort_index(params.sort)
    if target is not None and not params.cursor:
        notice = " ".join(filter(None, [notice, page_notice(page, target, location, params)])) or None
    return ProviderListing(
        location=location, radius_km=page.radius_km, requested_radius_km=params.where.radius_km,
        widened=page.radius_km > params.where.radius_km, notice=notice,
        providers=[provider(h, chosen, catalogue, radius_km=page.radius_km, distance_at=distance_at,
                            explain=params.explain) for h in page.hits],
        total_providers=page.total, next_cursor=page.next_cursor, ranking=ranking.RANKING_RULE,
    )


def facets(page: ProviderPage) -> Facets | None:
    return Facets.model_validate(page.facets) if page.facets else None


def page_notice(page: ProviderPage, target: Target, location: ResolvedLocation, params: SearchParams) -> str | None:
    asked = params.where.radius_km
    if not page.hits:
        return notices.nobody_near(target.label, radius_km=page.radius_km, place=location.label,
                                   nearest_km=page.nearest_km)
    if page.radius_km > asked:
        distance_at = queries.distance_sort_index(params.sort)
        nearest = min(_distance(h, distance_at) for h in page.hits)
        return notices.widened(target.label, asked_km=asked, used_km=page.radius_km, nearest_km=nearest,
                               fallback=page.nearest_fallback)
    return None


def provider(hit: dict[str, Any], chosen: set[str], catalogue: Catalogue, *, radius_km: float, distance_at: int,
             explain: bool) -> ProviderResult:
    src = hit["_source"]
    distance = round(_distance(hit, distance_at), 2)
    matched = [s for s in src["procedures"] if s in chosen]
    wording = provider_wording(src, matched, catalogue.procedure_names, distance)
    explanation = None
    if explain:
        volume = max((c.volume or 0.0 for c in wording.claims if c.evidence == "billed"), default=0.0)
        parts = ranking.components(distance_km=distance, radius_km=radius_km, rating=src.get("rating"),
                                   reviews=src.get("review_count", 0), volume=volume)
        semantic = (hit.get("matched_queries") or {}).get("semantic")  # the kNN term's own score
        explanation = ProviderExplanation(distance_decay=round(parts.distance_decay, 4),
                                          rating_component=round(parts.rating_component, 4),
                                          reviews_component=round(parts.reviews_component, 4),
                                          volume_component=round(parts.volume_component, 4),
                                          semantic_component=round(semantic, 4) if semantic is not None else None,
                                          total=round(parts.total + (semantic or 0.0), 4),
                                          procedure_evidence=[ClaimOut(**asdict(c)) for c in wording.claims],
                                          volume_caveat=wording.volume_caveat)
    return ProviderResult(
        id=src["id"], name=src["name"], credentials=src["credentials"], specialties=src["specialties"],
        procedures=matched,
        clinic=ClinicOut(name=src["clinic"]["name"], address=src["clinic"]["address"],
                         location=Coordinates(**src["clinic"]["location"])),
        distance_km=distance, accepting_new_patients=src["accepting_new_patients"],
        telehealth=src["telehealth"], languages=src["languages"], rating=src.get("rating"),
        review_count=src.get("review_count", 0), fictional=src["fictional"],
        score=round(hit["_score"], 4) if hit.get("_score") is not None else None,
        why=wording.why, explanation=explanation,
    )


def procedure(p: ProcedureScore, *, explain: bool) -> InterpretedProcedure:
    explanation = None
    if explain:
        explanation = [
            PieceMatch(signal=e.signal, rank=e.rank, score=e.score, kind=e.piece.kind,  # type: ignore[arg-type]
                       text=e.piece.text or "", section=e.piece.section)
            for e in p.evidence
        ]
    return InterpretedProcedure(slug=p.slug, name=p.name, score=round(p.score, 5), conditions=p.conditions,
                                explanation=explanation)


def conditions(scored: list[tuple[str, float]], catalogue: Catalogue) -> list[ConditionOut]:
    return [ConditionOut(slug=c, name=catalogue.conditions[c].name, score=round(score, 5))
            for c, score in scored[:CONDITIONS_SHOWN] if c in catalogue.conditions]


def first_sentences(text: str, count: int = 2) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return " ".join(sentences[:count])


def _distance(hit: dict[str, Any], index: int) -> float:
    return float(hit["sort"][index])
