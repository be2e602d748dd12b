"""Search and evaluation routes: validate, call the service, return a response model."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api.contract import NOT_FOUND
from api.deps import SearchDep, SettingsDep
from api.queries import ProviderFilters, SortOrder
from api.schemas import BestOfResponse, EvalFailure, EvalRequest, EvalResponse, SearchResponse, Strategy
from api.search_service import MAX_QUERY_CHARS, SearchParams, Timings

router = APIRouter()
Gender = Literal["female", "male", "nonbinary"]


@router.get("/v1/search", response_model=SearchResponse, response_model_exclude_none=True, tags=["search"],
            summary="From what a person feels to procedures and the providers near them")
async def search(
    service: SearchDep,
    settings: SettingsDep,
    response: Response,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="What the person types")],
    near: Annotated[str | None, Query(max_length=100, description="Place name, 'City, ST' or ZIP")] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_km: Annotated[float | None, Query(gt=0, le=200, description="Search radius (default 25 km)")] = None,
    size: Annotated[int, Query(ge=1, le=50)] = 10,
    strategy: Annotated[Strategy, Query(description="Interpretation strategy, for comparison")] = "hybrid",
    explain: Annotated[bool, Query(description="Include score components")] = False,
    procedure: Annotated[str | None, Query(max_length=80, description="Force providers of this slug")] = None,
    specialty: Annotated[list[str] | None, Query(max_length=10, description="Only these specialties")] = None,
    language: Annotated[list[str] | None, Query(max_length=10, description="Only providers speaking one")] = None,
    gender: Annotated[Gender | None, Query()] = None,
    accepting_new_patients: Annotated[bool | None, Query()] = None,
    telehealth: Annotated[bool | None, Query()] = None,
    insurance: Annotated[list[str] | None, Query(max_length=10, description="Accepted insurance networks")] = None,
    min_rating: Annotated[float | None, Query(ge=1, le=5)] = None,
    sort: Annotated[SortOrder, Query(description="relevance (default), distance or rating")] = "relevance",
    cursor: Annotated[str | None, Query(max_length=2000, description="next_cursor of the previous page")] = None,
) -> SearchResponse:
    filters = ProviderFilters(
        specialties=tuple(specialty or ()), languages=tuple(language or ()), gender=gender,
        accepting_new_patients=accepting_new_patients, telehealth=telehealth, insurance=tuple(insurance or ()),
        min_rating=min_rating,
    )
    params = SearchParams(q=q, near=near, lat=lat, lon=lon, radius_km=radius_km or settings.default_radius_km,
                          size=size, strategy=strategy, explain=explain, procedure=procedure, filters=filters,
                          sort=sort, cursor=cursor)
    timings, started = Timings(), time.perf_counter()
    result = await service.search(params, timings)
    response.headers["Server-Timing"] = timings.header((time.perf_counter() - started) * 1000)
    return result


@router.get("/v1/best", response_model=BestOfResponse, response_model_exclude_none=True, tags=["search"],
            summary='The data behind "Best doctors near you for X in Y" pages', responses=NOT_FOUND)
async def best_of(
    service: SearchDep,
    settings: SettingsDep,
    response: Response,
    procedure: Annotated[str | None, Query(max_length=80, description="A procedure slug")] = None,
    condition: Annotated[str | None, Query(max_length=80, description="A condition slug")] = None,
    near: Annotated[str | None, Query(max_length=100, description="Place name, 'City, ST' or ZIP")] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_km: Annotated[float | None, Query(gt=0, le=200)] = None,
    size: Annotated[int, Query(ge=1, le=50)] = 10,
) -> BestOfResponse:
    params = SearchParams(q=procedure or condition or "", near=near, lat=lat, lon=lon,
                          radius_km=radius_km or settings.default_radius_km, size=size)
    timings, started = Timings(), time.perf_counter()
    result = await service.best_of(procedure=procedure, condition=condition, params=params, timings=timings)
    response.headers["Server-Timing"] = timings.header((time.perf_counter() - started) * 1000)
    return result


@router.post("/v1/eval", response_model=EvalResponse, tags=["analysts"],
             summary="Run a judgment set against the live search and score it")
async def evaluate(service: SearchDep, request: EvalRequest) -> EvalResponse:
    from api import evaluation

    outcomes = await evaluation.run(service, request.judgments, request.strategies)
    report = await asyncio.to_thread(evaluation.metrics, request.judgments, outcomes)
    return EvalResponse(
        metrics=report,
        failures={s: [EvalFailure(**f) for f in evaluation.failures(outcomes, s)] for s in request.strategies},
    )
