"""Every failure becomes one JSON shape: RFC 9457 problem details. Mapped here, in one place."""

from __future__ import annotations

import logging
from typing import Any

from elasticsearch import ApiError, ConnectionError, ConnectionTimeout, TransportError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from caremap.es_client import PartialResultsError

log = logging.getLogger("caremap.api")
PROBLEM_JSON = "application/problem+json"


class ApiProblem(Exception):  # noqa: N818 - it is the problem itself, not an error about one
    """A domain failure with its HTTP status; raised by services, rendered by the handler below."""

    def __init__(self, status: int, title: str, detail: str, *, errors: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.errors, self.headers = errors, headers or {}


def bad_parameter(name: str, value: object, rule: str, **extra: object) -> ApiProblem:
    return ApiProblem(400, "Invalid parameter", f"{name}={value!r}: {rule}",
                      errors=[{"parameter": name, "value": value, "rule": rule, **extra}])


def problem_response(request: Request, *, status: int, title: str, detail: str,
                     errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail,
                            "instance": request.url.path}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _domain(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(request, status=exc.status, title=exc.title, detail=exc.detail,
                                errors=exc.errors, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"parameter": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]),
             "value": e.get("input"), "rule": e["msg"]}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['parameter']}={e['value']!r}: {e['rule']}" for e in errors)
        return problem_response(request, status=422, title="Invalid request", detail=detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(request, status=exc.status_code, title=str(exc.detail), detail=str(exc.detail))

    @app.exception_handler(ConnectionError)
    @app.exception_handler(ConnectionTimeout)
    @app.exception_handler(TransportError)
    @app.exception_handler(PartialResultsError)  # a lost shard: never a silently shorter page
    async def _es_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("elasticsearch unavailable: %s", type(exc).__name__)
        return problem_response(request, status=503, title="Search backend unavailable",
                                detail="The search index is temporarily unavailable; retry shortly.",
                                headers={"Retry-After": "5"})

    @app.exception_handler(ApiError)
    async def _es_error(request: Request, exc: ApiError) -> JSONResponse:
        log.error("elasticsearch error %s: %s", exc.meta.status, exc.message)
        # Overloaded, shards lost with a node (a search refused rather than served partial), a missing index:
        # all pass; only a request Elasticsearch refuses as such (4xx) is our bug, a 502.
        status = 503 if exc.meta.status >= 500 or exc.meta.status in (404, 429) else 502
        return problem_response(request, status=status, title="Search backend error",
                                detail="The search backend could not answer this request.",
                                headers={"Retry-After": "5"} if status == 503 else None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem_response(request, status=500, title="Internal error",
                                detail="An unexpected error occurred; it has been logged.")
