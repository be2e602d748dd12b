"""Operational routes: liveness and readiness."""

from __future__ import annotations

from elasticsearch import ApiError, TransportError
from fastapi import APIRouter, Response

from api.deps import SearchDep, SettingsDep
from api.schemas import Health

router = APIRouter()


@router.get("/healthz", response_model=Health, tags=["operations"], summary="The process is up")
async def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Health, tags=["operations"],
            summary="Elasticsearch is reachable and the aliases serve an index")
async def readyz(service: SearchDep, settings: SettingsDep, response: Response) -> Health:
    checks: dict[str, str] = {}
    try:
        health = await service.es.options(request_timeout=2).cluster.health()
        checks["elasticsearch"] = str(health["status"])
        for index in ("procedures", "providers"):
            alias = settings.alias(index)
            exists = await service.es.options(request_timeout=2).indices.exists_alias(name=alias)
            checks[alias] = "present" if exists else "missing"
    except (ApiError, TransportError) as e:
        checks["elasticsearch"] = f"unreachable ({type(e).__name__})"
    ready = checks.get("elasticsearch") in {"green", "yellow"} and all(
        v == "present" for k, v in checks.items() if k != "elasticsearch"
    )
    if not ready:
        response.status_code = 503
        response.headers["Retry-After"] = "5"
    return Health(status="ok" if ready else "unavailable", checks=checks)
