"""Search and evaluation routes: validate, call the service, return a response model."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.contract import NOT_FOUND
from api.deps import SearchDep, WhereDep
from api.queries import ProviderFilters, SortOrder
from api.schemas import BestOfResponse, EvalFailure, EvalRequest, EvalResponse, SearchResponse
from api.search.fusion import Strategy
from api.search.params import MAX_QUERY_CHARS, SearchParams

router = APIRouter()
Gender = Literal["female", "male", "nonbinary"]


@router.get("/v1/search", response_model=SearchResponse, response_model_exclude_none=True, tags=["search"],
            summary="From what a person feels to procedures and the providers near them")
async def search(
    service: SearchDep,
    where: WhereDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="What the person types")],
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
    return await service.search(SearchParams(q=q, where=where, strategy=strategy, explain=explain,
                                              procedure=procedure, filters=filters, sort=sort, cursor=cursor))


@router.get("/v1/best", response_model=BestOfResponse, response_model_exclude_none=True, tags=["search"],
            summary='The data behind "Best doctors near you for X in Y" pages', responses=NOT_FOUND)
async def best_of(
    service: SearchDep,
    where: WhereDep,
    procedure: Annotated[str | None, Query(max_length=80, description="A procedure slug")] = None,
    condition: Annotated[str | None, Query(max_length=80, description="A condition slug")] = None,
) -> BestOfResponse:
    return await service.best_of(procedure=procedure, condition=condition, where=where)


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
