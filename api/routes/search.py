"""Search and evaluation routes: validate, call the service, return a response model."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import SearchDep, SettingsDep
from api.schemas import EvalFailure, EvalRequest, EvalResponse, SearchResponse, Strategy
from api.search_service import SearchParams, Timings

router = APIRouter()
MAX_QUERY_CHARS = 300


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
) -> SearchResponse:
    params = SearchParams(q=q, near=near, lat=lat, lon=lon, radius_km=radius_km or settings.default_radius_km,
                          size=size, strategy=strategy, explain=explain, procedure=procedure)
    timings, started = Timings(), time.perf_counter()
    result = await service.search(params, timings)
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
