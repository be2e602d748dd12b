"""Catalogue, places and providers: what the search box's answers link to.

Procedures and conditions are read from the corpus loaded at start-up; passage search and providers come
from Elasticsearch. Routes validate, call the service (or a helper below) and return a response model.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from api import queries
from api.catalog_schemas import (
    ConditionDetail,
    NamedRef,
    PassageHit,
    PassageSearchResponse,
    PlaceOut,
    PlaceResolution,
    ProcedureDetail,
    ProviderDetail,
    ProvidersResponse,
    ReversePlace,
    Section,
    SpecialtyOut,
)
from api.catalogue import Catalogue
from api.contract import NOT_FOUND
from api.deps import CatalogueDep, EsDep, GazetteerDep, SearchDep, WhereDep
from api.errors import ApiProblem, bad_parameter
from api.search.locate import locate
from api.search.params import MAX_QUERY_CHARS, SearchParams
from api.search.target import Target, condition_target, procedure_target
from caremap.places import REVERSE_RADIUS_KM, PlaceMatch, haversine_km

router = APIRouter()

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
PROVIDER_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{2,63}$"
Slug = Annotated[str, Path(max_length=80, pattern=SLUG_PATTERN, description="A catalogue slug")]


def not_found(kind: str, parameter: str, value: str) -> ApiProblem:
    return ApiProblem(404, f"Unknown {kind}", f"No {kind} with {parameter}={value!r}",
                      errors=[{"parameter": parameter, "value": value, "rule": f"a known {kind} {parameter}"}])


# --- places ------------------------------------------------------------------------------------------------


@router.get("/v1/places", response_model=PlaceResolution, tags=["places"],
            summary="Resolve a place name, 'City, ST' or ZIP to coordinates")
async def resolve_place(
    gazetteer: GazetteerDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="Place name, 'City, ST' or ZIP")],
    limit: Annotated[int, Query(ge=1, le=20, description="Alternatives to return at most")] = 5,
) -> PlaceResolution:
    resolution = gazetteer.resolve(q, limit=limit)
    best = resolution.best
    return PlaceResolution(
        query=q,
        best=_place(best) if best else None,
        alternatives=[_place(p) for p in resolution.alternatives if best is None or p.id != best.id][:limit],
        ambiguous=resolution.ambiguous,
    )


@router.get("/v1/places/reverse", response_model=ReversePlace, tags=["places"],
            summary="The nearest town or city to a point (within 50 km)", responses=NOT_FOUND)
async def reverse_place(
    gazetteer: GazetteerDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
) -> ReversePlace:
    place = gazetteer.reverse(lat, lon)
    if place is None:
        raise ApiProblem(404, "No place nearby", f"No town or city within {REVERSE_RADIUS_KM:.0f} km of the point",
                         errors=[{"parameter": "lat,lon", "value": None,
                                  "rule": f"a point within {REVERSE_RADIUS_KM:.0f} km of a known place"}])
    distance = haversine_km(lat, lon, place.lat, place.lon)
    return ReversePlace(lat=lat, lon=lon, place=_place(place), distance_km=round(distance, 2))


def _place(place: PlaceMatch) -> PlaceOut:
    return PlaceOut(id=place.id, label=place.label, name=place.name, region=place.region, country=place.country,
                    kind=place.kind, lat=place.lat, lon=place.lon, population=place.population,
                    postal_code=place.postal_code, fictional=place.fictional)


# --- procedures and conditions -----------------------------------------------------------------------------


@router.get("/v1/procedures", response_model=PassageSearchResponse, tags=["catalogue"],
            summary="Search the procedure articles' passages (BM25, highlighted)")
async def search_passages(
    es: EsDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="Words to find")],
    size: Annotated[int, Query(ge=1, le=50)] = 10,
) -> PassageSearchResponse:
    if not q.strip():
        raise bad_parameter("q", q, "give at least one word to search for")
    result = await es.search(es.alias("procedures"), queries.passage_search(q, size=size))
    hits = result["hits"]["hits"]
    return PassageSearchResponse(
        query=q,
        total=int(result["hits"]["total"]["value"]),
        hits=[PassageHit(slug=h["_source"]["slug"], name=h["_source"]["name"], section=h["_source"].get("section"),
                         text=h["_source"]["text"], highlights=h.get("highlight", {}).get("text", []),
                         score=round(float(h["_score"]), 4))
              for h in hits],
    )


@router.get("/v1/procedures/{slug}", response_model=ProcedureDetail, tags=["catalogue"],
            summary="One procedure article: specialties, setting, sections, related procedures, conditions",
            responses=NOT_FOUND)
async def procedure_detail(catalogue: CatalogueDep, slug: Slug) -> ProcedureDetail:
    article = catalogue.article(slug)
    if article is None:
        raise not_found("procedure", "slug", slug)
    return ProcedureDetail(
        slug=article.slug, name=article.name, aliases=list(article.aliases), area=catalogue.areas.get(slug),
        specialties=_specialties(catalogue, article.specialties),
        setting=article.setting, duration=article.duration,
        sections=[Section(heading=heading, text=text) for heading, text in article.sections.items()],
        related=_procedure_refs(catalogue, article.confused_with),
        conditions=[NamedRef(slug=c.slug, name=c.name) for c in catalogue.corpus.conditions_for(slug)],
    )


@router.get("/v1/conditions/{slug}", response_model=ConditionDetail, tags=["catalogue"],
            summary="One condition: summary, the procedures that treat it (best first), specialties",
            responses=NOT_FOUND)
async def condition_detail(catalogue: CatalogueDep, slug: Slug) -> ConditionDetail:
    condition = catalogue.conditions.get(slug)
    if condition is None:
        raise not_found("condition", "slug", slug)
    return ConditionDetail(
        slug=condition.slug, name=condition.name, aliases=list(condition.aliases), summary=condition.summary,
        procedures=_procedure_refs(catalogue, condition.procedures),
        specialties=_specialties(catalogue, condition.specialties),
    )


def _procedure_refs(catalogue: Catalogue, slugs: tuple[str, ...] | list[str]) -> list[NamedRef]:
    names = catalogue.procedure_names
    return [NamedRef(slug=s, name=names[s]) for s in slugs if s in names]


def _specialties(catalogue: Catalogue, names: tuple[str, ...] | list[str]) -> list[SpecialtyOut]:
    known = catalogue.specialties
    return [SpecialtyOut(name=n, nucc_code=known[n].nucc_code if n in known else None,
                         nucc_display=known[n].nucc_display if n in known else None) for n in names]


# --- providers ---------------------------------------------------------------------------------------------


@router.get("/v1/providers/{id}", response_model=ProviderDetail, tags=["providers"],
            summary="One provider profile (sample records are fictional)", responses=NOT_FOUND)
async def provider_detail(
    es: EsDep,
    catalogue: CatalogueDep,
    provider_id: Annotated[str, Path(alias="id", max_length=64, pattern=PROVIDER_ID_PATTERN,
                                         description="Provider id")],
) -> ProviderDetail:
    result = await es.search(es.alias("providers"), queries.provider_by_id(provider_id))
    hits = result["hits"]["hits"]
    if not hits:
        raise not_found("provider", "id", provider_id)
    src: dict[str, Any] = hits[0]["_source"]
    return ProviderDetail(
        id=src["id"], fictional=src["fictional"], name=src["name"], credentials=src.get("credentials", []),
        gender=src.get("gender", "unknown"), specialties=_specialties(catalogue, src["specialties"]),
        procedures=[NamedRef(slug=s, name=catalogue.procedure_names.get(s, s)) for s in src.get("procedures", [])],
        clinic=src["clinic"], languages=src.get("languages", []),
        accepting_new_patients=src["accepting_new_patients"], telehealth=src["telehealth"],
        insurance_networks=src.get("insurance_networks", []), years_in_practice=src.get("years_in_practice", 0),
        rating=src.get("rating"), review_count=src.get("review_count", 0), bio=src.get("bio", ""),
    )


@router.get("/v1/providers", response_model=ProvidersResponse, response_model_exclude_none=True,
            tags=["providers"],
            summary="Providers of a procedure, or for a condition, near a place (widening when nobody is near)")
async def providers_near(
    service: SearchDep,
    catalogue: CatalogueDep,
    gazetteer: GazetteerDep,
    where: WhereDep,
    procedure: Annotated[str | None, Query(max_length=80, description="Procedure slug")] = None,
    condition: Annotated[str | None, Query(max_length=80, description="Condition slug")] = None,
    cursor: Annotated[str | None, Query(max_length=2000, description="next_cursor of the previous page")] = None,
) -> ProvidersResponse:
    kind, slug, target = _provider_target(catalogue, procedure=procedure, condition=condition)
    # q binds a page cursor to this target: a cursor from another procedure or condition is refused.
    params = SearchParams(q=f"{kind}:{slug}", where=where, cursor=cursor)
    listed, _ = await service.list_providers(target, locate(where, gazetteer), params)
    return ProvidersResponse(**dict(listed), target=kind, slug=slug, label=target.label,
                             specialties=target.specialties)


def _provider_target(catalogue: Catalogue, *, procedure: str | None,
                     condition: str | None) -> tuple[Literal["procedure", "condition"], str, Target]:
    if procedure and condition:
        raise ApiProblem(400, "Invalid parameter", "give procedure or condition, not both",
                         errors=[{"parameter": name, "value": value, "rule": "exactly one of procedure or condition"}
                                 for name, value in (("procedure", procedure), ("condition", condition))])
    if procedure:
        if not catalogue.knows_procedure(procedure):
            raise bad_parameter("procedure", procedure, "a procedure slug from /v1/procedures")
        return "procedure", procedure, procedure_target(procedure, catalogue)
    if condition:
        if condition not in catalogue.conditions:
            raise bad_parameter("condition", condition, "a condition slug from /v1/conditions")
        return "condition", condition, condition_target(condition, catalogue)
    raise bad_parameter("procedure", None, "give exactly one of procedure or condition")
