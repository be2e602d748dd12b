"""Request logs without health data: method, route path, status and duration; never the query string."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

log = logging.getLogger("caremap.access")
REQUEST_ID_HEADER = "X-Request-ID"


def install_request_logging(app: FastAPI) -> None:
    @app.middleware("http")
    async def _log(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request_id = request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex
        started = time.perf_counter()
        response = await call_next(request)
        response.headers[REQUEST_ID_HEADER] = request_id[:64]
        log.info("%s %s %s %.1fms request_id=%s", request.method, request.url.path, response.status_code,
                 (time.perf_counter() - started) * 1000, request_id[:64])
        return response
