"""Request logs without health data: method, route path, status and duration; never the query string.

A plain ASGI middleware (no per-request task or response wrapper): it sets the ``X-Request-ID`` response
header, taken from the request when the caller sent one, and logs one line when the response has gone.
"""

from __future__ import annotations

import logging
import time
import uuid

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("caremap.access")
REQUEST_ID_HEADER = "X-Request-ID"
_HEADER_KEY = REQUEST_ID_HEADER.lower().encode()  # ASGI header names are lower-case bytes
MAX_REQUEST_ID = 64


class RequestLogging:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == _HEADER_KEY), b"").decode("latin-1")
        request_id = (given or uuid.uuid4().hex)[:MAX_REQUEST_ID]
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before starting a response

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (_HEADER_KEY, request_id.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info("%s %s %s %.1fms request_id=%s", scope["method"], scope["path"], status,
                     (time.perf_counter() - started) * 1000, request_id)


def install_request_logging(app: FastAPI) -> None:
    app.add_middleware(RequestLogging)
