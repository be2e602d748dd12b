"""Operational routes: liveness and readiness."""

from __future__ import annotations

from typing import Any

from elasticsearch import ApiError, TransportError
from fastapi import APIRouter, Request, Response

from api.deps import EsDep, SettingsDep
from api.rate_limits import RateLimits
from api.readiness import assess
from api.schemas import Health

router = APIRouter()


@router.get("/healthz", response_model=Health, response_model_exclude_none=True, tags=["operations"],
            summary="The process is up")
async def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Health, response_model_exclude_none=True, tags=["operations"],
            summary="Elasticsearch is reachable with the nodes expected and the aliases serve an index",
            description="`ok`; `degraded` (200) with fewer nodes than expected, a yellow cluster or the shared "
                        "rate-limit storage unreachable; `unavailable` (503) when searches cannot be served.")
async def readyz(es: EsDep, settings: SettingsDep, request: Request, response: Response) -> Health:
    health: dict[str, Any] | None = None
    aliases: dict[str, bool] = {}
    unreachable: str | None = None
    try:
        health = await es.cluster_health()
        for index in ("procedures", "providers"):
            alias = es.alias(index)
            aliases[alias] = await es.alias_exists(alias)
    except (ApiError, TransportError) as e:
        health, unreachable = None, type(e).__name__
    limits: RateLimits = request.app.state.rate_limits
    verdict = assess(health, unreachable=unreachable, aliases=aliases, expected_nodes=settings.es_nodes_expected,
                     limits_reachable=await limits.reachable())
    if verdict.status == "unavailable":
        response.status_code = 503
        response.headers["Retry-After"] = "5"
    return verdict
